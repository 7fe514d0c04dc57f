// The dashboard's only script: buttons with data-post call the REST API (the session
// cookie carries the token) and show the answer next to the button, then reload.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-post]");
  if (!button) return;
  const result = button.parentElement.querySelector(".result");
  button.disabled = true;
  const response = await fetch(button.dataset.post, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: "{}",
    credentials: "same-origin",
  });
  const body = await response.json().catch(() => ({}));
  if (result) {
    result.textContent = response.ok
      ? body.result || body.status || "done"
      : `${response.status}: ${body.detail || "refused"}`;
    result.className = "result " + (response.ok ? "ok" : "bad");
  }
  if (response.ok) setTimeout(() => window.location.reload(), 800);
  else button.disabled = false;
});

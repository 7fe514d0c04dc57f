"""The GnuCash side of the GnuCash connector: a small JSON-lines server around GnuCash's
own engine, run by Debian's ``/usr/bin/python3`` (the only interpreter the
``python3-gnucash`` bindings are built for).

It imports nothing from the hub, so the hub's own interpreter never loads GnuCash's C
engine (nor guile): a crash in the engine ends this process, not a worker. One request
a line on stdin, one answer a line on stdout (``{"ok": ...}`` or ``{"error": kind,
"message": ...}``); the real stdout is kept for answers and fd 1 pointed at stderr, so
what the engine prints cannot garble the protocol.

Each request opens the book, does its work and ends the session, so the GnuCash lock is
held only while the hub writes (back-to-back posts share one session, let go after a second idle).
Writes open with SESSION_NORMAL_OPEN and refuse a book locked by someone else (GnuCash
open on a desk) as "locked": the hub retries later and never breaks a live lock unless
the connection says ``break_lock``; a lock left by a dead process of this machine is
stale and broken. Reads open
SESSION_READ_ONLY, which takes no lock. Hub workers writing the same book queue on an
flock beside it, as for the Beancount ledger.

A hub transaction carries the document's natural key in Num and "<kind> <key>" as its
description; the tax code of a line is its split's Action, the memo its Memo.
"""

from __future__ import annotations

import ctypes
import fcntl
import glob
import json
import os
import select
import socket
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

TOP_LEVEL = {  # Beancount-style names, as the hub's charts use; GnuCash's type per root
    "Assets": "ACCT_TYPE_ASSET",
    "Liabilities": "ACCT_TYPE_LIABILITY",
    "Equity": "ACCT_TYPE_EQUITY",
    "Income": "ACCT_TYPE_INCOME",
    "Expenses": "ACCT_TYPE_EXPENSE",
}


_READ_CACHE: dict[str, Any] = {}  # the last read-back, by book version (see Book.read)
# How long a write session waits for the next post (0: a session per post, the
# baseline bench.gnucash measures against).
IDLE_SECONDS = float(os.environ.get("HUB_GNUCASH_HOLD_S", "1.0"))
OPERATIONS = frozenset({"find", "read", "tax_codes", "chart", "create", "post", "release"})


class Refused(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _numeric(gnucash: Any, amount: Decimal) -> Any:
    exponent = int(amount.as_tuple().exponent)
    places = max(-exponent, 0)
    return gnucash.GncNumeric(int(amount.scaleb(places)), 10**places)


def _full_name(account: Any) -> str:
    """ "Assets:Bank": built here, as GnuCash's own full name uses the separator of the
    user's preferences ("." when none is set) and the hub's charts use ":"."""
    names = []
    while account is not None and not account.is_root():
        names.append(account.GetName())
        account = account.get_parent()
    return ":".join(reversed(names))


def _decimal(numeric: Any) -> Decimal:
    return Decimal(numeric.num()) / Decimal(numeric.denom())


def _end(session: Any) -> None:
    if session is not None:
        session.end()
        session.destroy()


def _stale_lock(path: str) -> bool:
    """GnuCash's lock row names the host and process that hold the book: held by a
    process of this machine that is gone, it is stale."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            rows = db.execute("SELECT Hostname, PID FROM gnclock").fetchall()
    except sqlite3.Error:
        return False
    if not rows:
        return False
    for host, pid in rows:
        if host != socket.gethostname():
            return False
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            continue
        except PermissionError:
            return False  # alive, someone else's
        return False  # alive
    return True


class Held:
    """The write session (with the hub's flock) kept open between back-to-back posts: a
    GnuCash session loads the whole book, so opening one per post would make a month's
    posting quadratic. Let go after IDLE_SECONDS without a post, before any other
    request, and on any failure; every post is committed to the file at once (the SQL
    backend writes on CommitEdit), so holding it risks no document."""

    def __init__(self) -> None:
        self.key: tuple[str, bool] | None = None
        self.session: Any = None
        self.lock: Any = None
        self.index: dict[str, str] = {}  # natural key -> guid, valid while the lock is ours
        self.until = 0.0

    def take(self, book: Book) -> Held:
        if self.session is not None and self.key == (book.path, book.break_lock):
            return self
        self.release()
        lock = open(f"{book.path}.hub-lock", "a")  # noqa: SIM115 - held across requests
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            session = book.open(write=True)
            index = {
                key: trans.GetGUID().to_string() for key, _, trans in book.hub_transactions(session)
            }
        except BaseException:
            fcntl.flock(lock, fcntl.LOCK_UN)
            lock.close()
            raise
        self.key, self.session, self.lock, self.index = (
            (book.path, book.break_lock),
            session,
            lock,
            index,
        )
        return self

    def release(self) -> None:
        if self.session is not None:
            try:
                _end(self.session)
            finally:
                self.session = None
        if self.lock is not None:
            fcntl.flock(self.lock, fcntl.LOCK_UN)
            self.lock.close()
            self.lock = None
        self.key, self.index = None, {}

    def idle(self) -> float | None:
        """Seconds left before letting go (None: nothing held)."""
        return None if self.session is None else max(self.until - time.monotonic(), 0.0)


HELD = Held()


class Book:
    def __init__(self, gnucash: Any, path: str, break_lock: bool) -> None:
        self.g = gnucash
        self.path = path
        self.break_lock = break_lock

    def open(self, write: bool) -> Any:
        """A session on the book (None: no book yet, for a read). Writes take GnuCash's
        lock; a lock whose holder is a dead process on this machine (a killed worker,
        a crashed GnuCash) is stale and broken, any other is refused as "locked"."""
        g = self.g
        modes = g.SessionOpenMode
        uri = f"sqlite3://{self.path}"
        if not os.path.exists(self.path):
            if not write:
                return None
            if not os.path.isdir(os.path.dirname(self.path) or "."):
                raise Refused("config", f"book folder of {self.path} does not exist")
            new = g.Session(uri, modes.SESSION_NEW_STORE)
            new.save()
            new.end()
            new.destroy()
        if write:
            stale = self.break_lock or _stale_lock(self.path)
            mode = modes.SESSION_BREAK_LOCK if stale else modes.SESSION_NORMAL_OPEN
        else:
            mode = modes.SESSION_READ_ONLY
        try:
            return g.Session(uri, mode)
        except g.GnuCashBackendException as exc:
            codes = set(getattr(exc, "errors", ()) or ())
            if g.ERR_BACKEND_LOCKED in codes:
                raise Refused("locked", f"{self.path} is open in GnuCash elsewhere") from None
            raise Refused("config", f"{self.path}: GnuCash cannot open it ({exc})") from None

    @contextmanager
    def session(self, write: bool) -> Iterator[Any]:
        session = self.open(write)
        try:
            yield session
        finally:
            _end(session)

    # ---- reading ------------------------------------------------------------------------

    def accounts(self, session: Any) -> list[Any]:
        return list(session.book.get_root_account().get_descendants()) if session else []

    def transactions(self, session: Any) -> list[Any]:
        """Every transaction of the book, once (through the splits of its accounts)."""
        seen: dict[str, Any] = {}
        for account in self.accounts(session):
            for split in account.GetSplitList():
                trans = split.parent
                seen.setdefault(trans.GetGUID().to_string(), trans)
        return list(seen.values())

    def hub_transactions(self, session: Any) -> list[tuple[str, str, Any]]:
        found = []
        for trans in self.transactions(session):
            key = trans.GetNum() or ""
            kind, _, rest = (trans.GetDescription() or "").partition(" ")
            if key and rest == key:
                found.append((key, kind, trans))
        return found

    def render(self, key: str, kind: str, trans: Any) -> dict[str, Any]:
        splits = [
            [_full_name(s.GetAccount()), str(_decimal(s.GetValue())), s.GetAction() or ""]
            for s in trans.GetSplitList()
        ]
        return {
            "key": key,
            "kind": kind,
            "guid": trans.GetGUID().to_string(),
            "date": trans.GetDate().date().isoformat(),
            "currency": trans.GetCurrency().get_mnemonic(),
            "voided": bool(trans.GetVoidStatus()),
            "splits": splits,
        }

    # ---- requests -------------------------------------------------------------------------

    def find(self, request: dict[str, Any]) -> Any:
        with self.session(write=False) as session:
            return [
                self.render(key, kind, trans)
                for key, kind, trans in self.hub_transactions(session)
                if key == request["key"]
            ]

    def read(self, request: dict[str, Any]) -> Any:
        """One page of the hub's documents dated ``since`` or later, in (date, key) order.
        Transactions sharing a key are one document whose ``copies`` says how many (a
        duplicate for reconciliation to name); their splits are summed. The whole list is
        kept for the next page while the book file is unchanged: a session loads the
        whole book, so opening one per page would make reading back quadratic."""
        stat = os.stat(self.path) if os.path.exists(self.path) else None
        version = (self.path, stat and (stat.st_mtime_ns, stat.st_size), request["since"],
                   request.get("kind", "*"))  # fmt: skip
        if _READ_CACHE.get("version") != version:
            _READ_CACHE.clear()
            _READ_CACHE.update(version=version, rows=self._documents(request))
        rows = _READ_CACHE["rows"]
        start, limit = int(request.get("offset", 0)), int(request["limit"])
        return {"rows": rows[start : start + limit], "total": len(rows)}

    def _documents(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        since = date.fromisoformat(request["since"])
        docs: dict[str, dict[str, Any]] = {}
        with self.session(write=False) as session:
            for key, kind, trans in self.hub_transactions(session):
                if trans.GetDate().date() < since or request.get("kind", "*") not in ("*", kind):
                    continue
                row = self.render(key, kind, trans)
                doc = docs.setdefault(key, {**row, "splits": [], "copies": 0})
                doc["splits"] += row["splits"]
                doc["copies"] += 1
                doc["voided"] = doc["voided"] or row["voided"]
        return sorted(docs.values(), key=lambda r: (r["date"], r["key"]))

    def tax_codes(self, request: dict[str, Any]) -> Any:
        """The tax codes the hub wrote (split Action of its transactions)."""
        with self.session(write=False) as session:
            return sorted(
                {
                    split.GetAction()
                    for _, _, trans in self.hub_transactions(session)
                    for split in trans.GetSplitList()
                    if split.GetAction()
                }
            )

    def chart(self, request: dict[str, Any]) -> Any:
        with self.session(write=False) as session:
            return [
                {
                    "name": _full_name(a),
                    "placeholder": bool(a.GetPlaceholder()),
                    "balance": str(_decimal(a.GetBalance())),
                    "commodity": a.GetCommodity().get_mnemonic(),
                }
                for a in self.accounts(session)
            ]

    def release(self, request: dict[str, Any]) -> Any:
        """Nothing more: every request but a post lets go of a held write session."""
        return True

    def create(self, request: dict[str, Any]) -> Any:
        with self.session(write=True):
            return True

    def post(self, request: dict[str, Any]) -> Any:
        doc = request["document"]
        held = HELD.take(self)
        try:
            guid = held.index.get(doc["key"])
            if guid is not None:
                return {"guid": guid, "existing": True}
            guid = self._write(held.session.book, doc)
            held.index[doc["key"]] = guid
            return {"guid": guid, "existing": False}
        except BaseException:
            HELD.release()
            raise
        finally:
            held.until = time.monotonic() + IDLE_SECONDS

    def _write(self, book: Any, doc: dict[str, Any]) -> str:
        g = self.g
        table = book.get_table()
        currency = table.lookup("CURRENCY", doc["currency"])
        home = table.lookup("CURRENCY", doc["home"])
        if currency is None or home is None:
            raise Refused("rejected", f"{doc['key']}: currency {doc['currency']} is unknown")
        rate = Decimal(doc["fx_rate"]) if doc.get("fx_rate") else None
        if doc["currency"] != doc["home"] and rate is None:
            raise Refused("rejected", f"{doc['key']}: {doc['currency']} document has no fx_rate")
        lines = [(line, Decimal(line["amount"])) for line in doc["lines"]]
        if sum((amount for _, amount in lines), Decimal(0)) != 0:
            raise Refused("rejected", f"{doc['key']}: lines do not sum to zero")
        for line, _ in lines:  # every check before the first change to the book
            name = line["account"]
            parts = name.split(":")
            if parts[0] not in TOP_LEVEL or not all(parts):
                roots = ", ".join(TOP_LEVEL)
                raise Refused(
                    "rejected",
                    f"{doc['key']}: account {name!r} must start with one of {roots}",
                )
        root = book.get_root_account()
        trans = g.Transaction(book)
        trans.BeginEdit()
        trans.SetCurrency(currency)
        day = date.fromisoformat(doc["date"])
        trans.SetDate(day.day, day.month, day.year)
        trans.SetNum(doc["key"])
        trans.SetDescription(f"{doc['kind']} {doc['key']}")
        for line, amount in lines:
            account = self._account(book, root, line["account"], home)
            split = g.Split(book)
            split.SetParent(trans)
            split.SetAccount(account)
            split.SetValue(_numeric(g, amount))
            booked = amount if rate is None else (amount * rate).quantize(Decimal("0.01"))
            split.SetAmount(_numeric(g, booked))
            split.SetMemo(str(line.get("memo") or ""))
            split.SetAction(str(line.get("tax_code") or ""))
        trans.CommitEdit()
        return str(trans.GetGUID().to_string())

    def _account(self, book: Any, root: Any, full_name: str, home: Any) -> Any:
        """The account by its full name, created (with placeholder parents) if absent."""
        g = self.g
        parts = full_name.split(":")
        parent = root
        for depth, part in enumerate(parts):
            child = next((c for c in parent.get_children() if c.GetName() == part), None)
            if child is None:
                child = g.Account(book)
                child.BeginEdit()
                child.SetName(part)
                child.SetType(getattr(g, TOP_LEVEL[parts[0]]))
                child.SetCommodity(home)
                child.SetPlaceholder(depth < len(parts) - 1)
                parent.append_child(child)
                child.CommitEdit()
            parent = child
        return parent


def _no_transaction_log() -> None:
    """Each write session would leave a ``<book>.<timestamp>.log`` beside the book (the
    GUI's crash-recovery journal): a hub posting all day would leave thousands. The
    bindings do not wrap xaccLogDisable, so it is called in the engine library that the
    bindings already loaded (dlopen hands back the same instance)."""
    for library in glob.glob("/usr/lib/*/gnucash/libgnc-engine.so"):
        ctypes.CDLL(library).xaccLogDisable()
        return


def serve(requests: Iterator[str], answer: Callable[[dict[str, Any]], None]) -> None:
    try:
        import gnucash
    except ImportError as exc:
        answer({"error": "missing_engine", "message": f"cannot import gnucash: {exc}"})
        return
    _no_transaction_log()
    try:
        for line in requests:
            _handle(gnucash, line, answer)
    finally:
        HELD.release()


def _handle(gnucash: Any, line: str, answer: Callable[[dict[str, Any]], None]) -> None:
    if not line.strip():
        return
    try:
        request = json.loads(line)
        if request.get("op") not in OPERATIONS:
            raise Refused("engine", f"unknown operation {request.get('op')!r}")
        if request["op"] != "post":
            HELD.release()  # reads see the book as GnuCash would, and others may write
        book = Book(gnucash, request["book"], bool(request.get("break_lock")))
        handler = getattr(book, request["op"])
        answer({"ok": handler(request)})
    except Refused as exc:
        answer({"error": exc.kind, "message": str(exc)})
    except Exception as exc:  # the engine's failure goes back as data, the loop goes on
        answer({"error": "engine", "message": f"{type(exc).__name__}: {exc}"})


def _lines(stream: Any) -> Iterator[str]:
    """Request lines; while a write session is held, waiting for the next one only as
    long as it may stay idle."""
    while True:
        wait = HELD.idle()
        if wait is not None and not select.select([stream], [], [], wait)[0]:
            HELD.release()
        line = stream.readline()
        if not line:
            return
        yield line


def main() -> None:
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # the engine's own prints go to stderr, never into an answer

    def answer(message: dict[str, Any]) -> None:
        out.write(json.dumps(message) + "\n")
        out.flush()

    serve(_lines(sys.stdin), answer)


if __name__ == "__main__":
    main()

FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY hub ./hub
COPY connectors ./connectors
COPY mapping ./mapping
COPY reconciliation ./reconciliation
RUN pip install --no-cache-dir .
# GnuCash books (docs/deploy.md): Debian's engine and bindings, for /usr/bin/python3.
ARG WITH_GNUCASH=0
RUN if [ "$WITH_GNUCASH" = 1 ]; then apt-get update && \
    apt-get install -y --no-install-recommends gnucash python3-gnucash libdbd-sqlite3 && \
    rm -rf /var/lib/apt/lists/*; fi
RUN useradd --create-home hub
USER hub
CMD ["hub", "--help"]

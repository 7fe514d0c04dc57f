FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY hub ./hub
COPY connectors ./connectors
COPY mapping ./mapping
COPY reconciliation ./reconciliation
RUN pip install --no-cache-dir .
RUN useradd --create-home hub
USER hub
CMD ["hub", "--help"]

# The registry's image: the API, the projections and the scheduler are the same program, `registry`, started with
# different commands (docker-compose.yml). Pango and a Chinese font are for the certificate PDF (WeasyPrint).
FROM python:3.11-slim-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-zenhei \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md constraints.txt ./
COPY registry registry
COPY store store
COPY projections projections
COPY api api
COPY scheduler scheduler
COPY demo demo
RUN pip install --no-cache-dir -c constraints.txt .
RUN useradd --system --uid 10001 registry && mkdir /keys && chown registry /keys
USER registry
ENTRYPOINT ["registry"]
CMD ["serve", "--host", "0.0.0.0"]

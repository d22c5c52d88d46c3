# oncall-bot: one image for `serve` (default), `db upgrade`, `doctor`, `slo report` …
# Build:  docker build -t oncall-bot .
# Run:    docker run --env-file .env -p 3000:3000 -v oncall-data:/data oncall-bot
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY handlers handlers
COPY storage storage
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
# Matplotlib draws the SLO charts with the fonts it ships; nothing else is needed from the system.
ENV PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    DATABASE_URL=sqlite+aiosqlite:////data/oncall.db \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOG_FORMAT=json
COPY --from=build /install /usr/local
RUN useradd --system --uid 10001 --home-dir /data oncall && mkdir -p /data && chown oncall /data
USER oncall
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:3000/healthz').status != 200)"
ENTRYPOINT ["oncall-bot"]
CMD ["serve"]

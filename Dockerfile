# oncall-bot: one image for `serve` (default), `db upgrade`, `doctor`, `slo report` …
# Build:  docker build -t oncall-bot .
# Run:    docker run --env-file .env -p 8080:8080 -v oncall-data:/data oncall-bot
# With PostgreSQL: docker compose up (docker-compose.yml).

# Stage 1: build the wheel, then install it with the locked dependencies into a virtualenv.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md requirements.lock ./
COPY bot bot
COPY handlers handlers
COPY storage storage
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . \
 && python -m venv /opt/oncall-bot \
 && /opt/oncall-bot/bin/pip install --no-cache-dir --require-hashes -r requirements.lock \
 && /opt/oncall-bot/bin/pip install --no-cache-dir --no-deps /wheels/*.whl

# Stage 2: the virtualenv alone. Templates and migrations are package data inside it: no source tree is
# copied here, so the image runs exactly what the wheel carries.
FROM python:3.11-slim
# Matplotlib draws the SLO charts with the fonts it ships; nothing else is needed from the system.
ENV PATH=/opt/oncall-bot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    DATABASE_URL=sqlite+aiosqlite:////data/oncall.db \
    HOST=0.0.0.0 \
    PORT=8080 \
    LOG_FORMAT=json
COPY --from=build /opt/oncall-bot /opt/oncall-bot
RUN useradd --system --uid 10001 --home-dir /data oncall && mkdir -p /data && chown oncall /data
USER oncall
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import os, sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['PORT'], timeout=2).status != 200)"
ENTRYPOINT ["oncall-bot"]
CMD ["serve"]

# syntax=docker/dockerfile:1
# Decide API image. Build:  docker build -t decide .
# Release step, once per deploy, before the new API processes start:
#   docker run --rm --env-file decide.env decide decide migrate
# API:     docker run --env-file decide.env -p 8000:8000 decide
# Workers: docker run --env-file decide.env decide decide worker

ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
WORKDIR /src

# Dependencies first, pinned, so that a code change reuses this layer. The dev
# tools pinned beside them in constraints.txt stay out of the image.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; open('/tmp/requirements.txt', 'w').write('\\n'.join(deps) + '\\n')" \
    && /opt/venv/bin/pip install -r /tmp/requirements.txt -c constraints.txt

COPY README.md LICENSE ./
COPY app ./app
RUN /opt/venv/bin/pip install --no-deps .


FROM python:${PYTHON_VERSION}-slim AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DECIDE_ENV=production \
    WEB_CONCURRENCY=2

RUN groupadd --system decide \
    && useradd --system --gid decide --home-dir /app --shell /usr/sbin/nologin decide

COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY --chown=root:root alembic.ini ./
COPY --chown=root:root migrations ./migrations
RUN mkdir -p /app/var && chown decide:decide /app/var

USER decide
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

# Migrations are not run here: `decide migrate` is a release step, run once.
CMD ["sh", "-c", "exec decide serve --host 0.0.0.0 --port 8000 --workers \"${WEB_CONCURRENCY}\""]

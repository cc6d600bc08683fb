# syntax=docker/dockerfile:1
# One image per gateway service, all from this file:
#   docker build --build-arg SERVICE=Gateway.Ingress -t registry.example.com/llm-gateway/gateway-ingress:0.1.0 .
# SERVICE is a project under services/ (Gateway.Ingress, Gateway.Auth, Gateway.Quota, Gateway.Routing,
# Gateway.Metering, Gateway.Simulator). Base images are pinned to exact patch versions; bump them deliberately
# (and optionally pin digests: FROM mcr.microsoft.com/dotnet/aspnet:10.0.12@sha256:...).
ARG DOTNET_SDK_VERSION=10.0.401
ARG ASPNET_VERSION=10.0.12

# ---- build: restore and publish the one service -----------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_SDK_VERSION} AS build
ARG SERVICE
WORKDIR /src
RUN test -n "${SERVICE}" || { echo 'build with --build-arg SERVICE=Gateway.<Name>' >&2; exit 1; }
# What every project build reads: SDK pin, shared MSBuild properties, central package versions, analyzer
# settings (warnings are errors), the .proto contracts and the service sources.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY protos/ protos/
COPY services/ services/
RUN test -f "services/${SERVICE}/${SERVICE}.csproj" \
    || { echo "no project services/${SERVICE}/${SERVICE}.csproj" >&2; exit 1; }
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet restore "services/${SERVICE}/${SERVICE}.csproj"
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish "services/${SERVICE}/${SERVICE}.csproj" \
      --configuration Release --no-restore --output /app \
      -p:UseAppHost=false -p:DebugType=none -p:GenerateDocumentationFile=false

# ---- runtime: ASP.NET Core runtime only, non-root ---------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:${ASPNET_VERSION} AS runtime
ARG SERVICE
LABEL org.opencontainers.image.title="llm-gateway ${SERVICE}" \
      org.opencontainers.image.description="Self-hosted LLM API gateway: ${SERVICE}"
WORKDIR /app
# Files stay owned by root and read-only for the service user; the pod mounts an emptyDir at /tmp.
COPY --from=build /app ./
# Listeners come from Kestrel__Endpoints__* (docs/configuration.md), not from the image's default :8080.
ENV APP_ASSEMBLY=/app/${SERVICE}.dll \
    ASPNETCORE_HTTP_PORTS= \
    DOTNET_NOLOGO=1 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
# The image's non-root "app" user (uid 1654); the manifests run pods as the same uid.
USER $APP_UID
# exec replaces the shell, so the service is PID 1 and receives SIGTERM directly.
ENTRYPOINT ["/bin/sh", "-c", "exec dotnet \"$APP_ASSEMBLY\" \"$@\"", "--"]

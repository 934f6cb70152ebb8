# Build with the same commands the README uses; run as the image's non-root user.
# Base images are pinned to the SDK and runtime the test suite runs on (dotnet --version, dotnet --list-runtimes);
# move them together with global.json.
FROM mcr.microsoft.com/dotnet/sdk:10.0.401 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/HeadlessNews.Api/HeadlessNews.Api.csproj src/HeadlessNews.Api/
RUN dotnet restore src/HeadlessNews.Api/HeadlessNews.Api.csproj
COPY src/ src/
RUN dotnet publish src/HeadlessNews.Api -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0.12
WORKDIR /app
COPY --from=build /app .
# Configuration comes from the environment: ConnectionStrings__HeadlessNews, HeadlessNews__BootstrapAdminKey,
# HeadlessNews__DemoContent, HeadlessNews__RunMigrations, ASPNETCORE_URLS.
ENV ASPNETCORE_URLS=http://+:8080
EXPOSE 8080
USER $APP_UID
# The probe asks /health/live on the port ASPNETCORE_URLS (or ASPNETCORE_HTTP_PORTS) names, so `-e ASPNETCORE_URLS=http://+:9000`
# moves it too.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 CMD ["dotnet", "HeadlessNews.Api.dll", "healthcheck"]
ENTRYPOINT ["dotnet", "HeadlessNews.Api.dll"]

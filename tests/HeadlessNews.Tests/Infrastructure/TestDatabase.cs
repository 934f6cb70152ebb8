using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Testcontainers.PostgreSql;

namespace HeadlessNews.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL the tests run against: the one HEADLESSNEWS_TEST_CONNECTION_STRING names, else a Testcontainers
/// container where a Docker engine answers, otherwise a throwaway local cluster started from Debian's PostgreSQL
/// binaries by scripts/local-postgres.sh (which installs them with apt when missing). Either way the tests are the same.
/// </summary>
internal abstract class TestDatabase : IAsyncDisposable
{
    public abstract string ConnectionString { get; }
    public abstract Task StopAsync();
    public abstract Task StartAsync();
    public abstract ValueTask DisposeAsync();

    public const string ExternalVariable = "HEADLESSNEWS_TEST_CONNECTION_STRING";

    public static async Task<TestDatabase> StartNewAsync()
    {
        var external = Environment.GetEnvironmentVariable(ExternalVariable);
        TestDatabase database = !string.IsNullOrWhiteSpace(external) ? new ExternalDatabase(external)
            : DockerIsReachable() ? new ContainerDatabase() : new LocalClusterDatabase();
        await database.StartAsync();
        return database;
    }

    private static bool DockerIsReachable()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (!string.IsNullOrEmpty(host) && !host.StartsWith("unix://", StringComparison.Ordinal))
            return true;
        var path = string.IsNullOrEmpty(host) ? "/var/run/docker.sock" : host["unix://".Length..];
        if (!File.Exists(path))
            return false;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class ExternalDatabase(string connectionString) : TestDatabase
    {
        public override string ConnectionString => connectionString;
        public override Task StartAsync() => Task.CompletedTask;
        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

        // Tests that take the database away under the API need one they started themselves.
        public override Task StopAsync()
        {
            Assert.Ignore($"This test stops PostgreSQL, which it cannot do to the one {ExternalVariable} names.");
            return Task.CompletedTask;
        }
    }

    private sealed class ContainerDatabase : TestDatabase
    {
        // A fixed host port, so the connection string survives a stop and start of the container.
        private readonly PostgreSqlContainer _container = new PostgreSqlBuilder("postgres:15-alpine")
            .WithPortBinding(FreePort(), PostgreSqlBuilder.PostgreSqlPort)
            .Build();

        public override string ConnectionString => _container.GetConnectionString();
        public override Task StopAsync() => _container.StopAsync();
        public override Task StartAsync() => _container.StartAsync();
        public override ValueTask DisposeAsync() => _container.DisposeAsync();
    }

    private sealed class LocalClusterDatabase : TestDatabase
    {
        private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"headlessnews-tests-{Guid.NewGuid():N}");
        private readonly int _port = FreePort();
        private string? _connectionString;

        public override string ConnectionString => _connectionString ?? throw new InvalidOperationException("Not started.");

        public override async Task StartAsync() => _connectionString = (await RunScriptAsync("start")).Trim();

        public override Task StopAsync() => RunScriptAsync("stop");

        public override async ValueTask DisposeAsync()
        {
            await RunScriptAsync("stop");
            try
            {
                Directory.Delete(_dataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        private async Task<string> RunScriptAsync(string action)
        {
            var script = Path.Combine(RepositoryRoot(), "scripts", "local-postgres.sh");
            var info = new ProcessStartInfo("bash", [script, _dataDir, _port.ToString(), action])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"local-postgres.sh {action} failed ({process.ExitCode}): {await errors}");
            return await output;
        }
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HeadlessNews.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find the repository root (HeadlessNews.sln) above " + AppContext.BaseDirectory);
    }
}

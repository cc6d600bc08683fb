using System.Collections.Concurrent;
using Gateway.AppHost.Hosting;
using Gateway.AppHost.Tests.Infrastructure;

namespace Gateway.AppHost.Tests.Application;

/// <summary>
/// Project resources end to end with tiny throwaway projects in a temporary "repository": built with dotnet build,
/// run from bin/&lt;cfg&gt;/net10.0, configured through Kestrel__Endpoints__*, health-checked over HTTP.
/// </summary>
public sealed class ProjectResourceTests : IDisposable
{
    private const string Csproj = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <ImplicitUsings>enable</ImplicitUsings>
            <Nullable>enable</Nullable>
          </PropertyGroup>
        </Project>
        """;

    // Listens where the AppHost says (Kestrel__Endpoints__Http__Url), answers /health/ready and /env/NAME.
    private const string WebProgram = """
        using System.Net;
        var url = Environment.GetEnvironmentVariable("Kestrel__Endpoints__Http__Url") ?? throw new InvalidOperationException("no url");
        var listener = new HttpListener();
        listener.Prefixes.Add(url.TrimEnd('/') + "/");
        listener.Start();
        Console.WriteLine($"fake web on {url}");
        while (true)
        {
            var context = await listener.GetContextAsync();
            var path = context.Request.Url!.AbsolutePath;
            var body = path == "/health/ready" ? "ok" : path.StartsWith("/env/") ? Environment.GetEnvironmentVariable(path[5..]) : null;
            context.Response.StatusCode = body is null ? 404 : 200;
            var bytes = System.Text.Encoding.UTF8.GetBytes(body ?? "");
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("fake-repo-").FullName;
    private readonly ConcurrentQueue<string> _output = new();

    [Fact]
    public async Task StartAsync_ProjectSource_BuildsRunsOutputAndWiresEnvironment()
    {
        WriteProject("Fake.Web", WebProgram);
        var builder = DistributedApplication.CreateBuilder(Options(ProjectBuildMode.Always));
        builder.AddProject("fakeweb", "services/Fake.Web").WithHttpEndpoint("Http").WithEnvironment("Fake__Setting", "42");
        await using var app = builder.Build();

        await app.StartAsync(new CancellationTokenSource(TimeSpan.FromMinutes(5)).Token);
        var pid = app.GetProcessIds("fakeweb").Single();
        using var http = new HttpClient { BaseAddress = new Uri(app.GetResource("fakeweb").PrimaryEndpoint.Url) };
        var setting = await http.GetStringAsync("/env/Fake__Setting");
        var serviceName = await http.GetStringAsync("/env/OTEL_SERVICE_NAME");
        var commandLine = UnixProcess.GetCommandLine(pid);
        await app.StopAsync();

        Assert.Equal("42", setting);
        Assert.Equal("fakeweb", serviceName);
        Assert.Equal(Path.Combine(_root, "services", "Fake.Web", "bin", "Release", "net10.0", "Fake.Web.dll"), commandLine[^1]);
        Assert.Contains(_output, l => l.StartsWith("[build]", StringComparison.Ordinal));
        await ProcessAssert.AllGoneAsync([pid]);
    }

    [Fact]
    public async Task StartAsync_ProjectDoesNotCompile_FailsNamingTheProjectAndStartsNothing()
    {
        WriteProject("Fake.Broken", "this is not C#");
        var builder = DistributedApplication.CreateBuilder(Options(ProjectBuildMode.Always));
        var redis = builder.AddRedis("redis");
        builder.AddProject("broken", "services/Fake.Broken").WithHttpEndpoint("Http").WaitFor(redis);
        await using var app = builder.Build();

        var ex = await Assert.ThrowsAsync<DistributedApplicationException>(
            () => app.StartAsync(new CancellationTokenSource(TimeSpan.FromMinutes(5)).Token));

        Assert.Contains("dotnet build", ex.Message);
        Assert.Contains("Fake.Broken", ex.Message);
        Assert.Contains("error CS", ex.Message);
        Assert.DoesNotContain(app.Events, e => e.State == ResourceState.Starting);
    }

    [Fact]
    public async Task StartAsync_ProjectMissing_FailsNamingTheProjectAndStartsNothing()
    {
        var builder = DistributedApplication.CreateBuilder(Options(ProjectBuildMode.Always));
        var redis = builder.AddRedis("redis");
        builder.AddProject("ingress", "services/Gateway.Ingress").WithHttpEndpoint("Public").WaitFor(redis);
        await using var app = builder.Build();

        var ex = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.StartAsync());

        Assert.Equal("ingress", ex.ResourceName);
        Assert.Contains("services/Gateway.Ingress", ex.Message);
        Assert.Contains("does not exist", ex.Message);
        Assert.Empty(app.Events);
    }

    [Fact]
    public async Task StartAsync_NoBuildAndNoOutput_FailsSayingWhatToBuild()
    {
        WriteProject("Fake.Unbuilt", "Console.WriteLine(1);");
        var builder = DistributedApplication.CreateBuilder(Options(ProjectBuildMode.Never));
        builder.AddProject("unbuilt", "services/Fake.Unbuilt");
        await using var app = builder.Build();

        var ex = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.StartAsync());

        Assert.Contains("Fake.Unbuilt.dll does not exist", ex.Message);
        Assert.Contains("--no-build", ex.Message);
        Assert.Empty(app.Events);
    }

    [Fact]
    public void Resolve_DirectoryOrFile_FindsProjectAndOutput()
    {
        WriteProject("Fake.Layout", "Console.WriteLine(1);");
        var project = new ProjectResource("x", "services/Fake.Layout");
        var byFile = new ProjectResource("y", "services/Fake.Layout/Fake.Layout.csproj");

        var layout = ProjectLayout.Resolve(project, _root, "Debug", "net10.0");

        Assert.Equal(layout, ProjectLayout.Resolve(byFile, _root, "Debug", "net10.0"));
        Assert.Equal("Fake.Layout", layout.AssemblyName);
        Assert.Equal(Path.Combine(_root, "services/Fake.Layout/bin/Debug/net10.0/Fake.Layout.dll"), layout.OutputAssembly);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private DistributedApplicationOptions Options(ProjectBuildMode mode) => new()
    {
        RepositoryRoot = _root,
        BuildMode = mode,
        Output = _output.Enqueue,
        StartupTimeout = TimeSpan.FromMinutes(1),
    };

    private void WriteProject(string name, string program)
    {
        var directory = Path.Combine(_root, "services", name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, name + ".csproj"), Csproj);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), program);
    }
}

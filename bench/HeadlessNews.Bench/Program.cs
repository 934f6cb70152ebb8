using HeadlessNews.Bench;

// dotnet HeadlessNews.Bench.dll generate <connection string> <articles> [zipf|worst]   (the vocabulary; zipf by default)
// dotnet HeadlessNews.Bench.dll reference <connection string> <url>
// dotnet HeadlessNews.Bench.dll cursor <connection string> <rows to skip>
// dotnet HeadlessNews.Bench.dll markdown [bytes per body, 1 MB by default [shapes whose name holds this]]
return args switch
{
    ["generate", var cs, var count] => await ArchiveGenerator.RunAsync(cs, int.Parse(count)),
    ["generate", var cs, var count, var vocabulary] => await ArchiveGenerator.RunAsync(cs, int.Parse(count), vocabulary),
    ["reference", var cs, var url] => await ReferenceServer.RunAsync(cs, url),
    ["cursor", var cs, var skip] => await DeepCursor.RunAsync(cs, int.Parse(skip)),
    ["markdown"] => MarkdownShapes.Run(1_000_000),
    ["markdown", var bytes] => MarkdownShapes.Run(int.Parse(bytes)),
    ["markdown", var bytes, var shape] => MarkdownShapes.Run(int.Parse(bytes), shape),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: generate <cs> <articles> [zipf|worst] | reference <cs> <url> | cursor <cs> <skip> | markdown [bytes]");
    return 2;
}

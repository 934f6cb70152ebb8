using HeadlessNews.Bench;

// dotnet HeadlessNews.Bench.dll generate <connection string> <articles>
// dotnet HeadlessNews.Bench.dll reference <connection string> <url>
// dotnet HeadlessNews.Bench.dll cursor <connection string> <rows to skip>
return args switch
{
    ["generate", var cs, var count] => await ArchiveGenerator.RunAsync(cs, int.Parse(count)),
    ["reference", var cs, var url] => await ReferenceServer.RunAsync(cs, url),
    ["cursor", var cs, var skip] => await DeepCursor.RunAsync(cs, int.Parse(skip)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: generate <cs> <articles> | reference <cs> <url> | cursor <cs> <skip>");
    return 2;
}

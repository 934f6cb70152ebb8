using System.Text;

namespace HeadlessNews.Bench;

/// <summary>
/// The words the archive generator writes with, each drawn with its own probability.
/// <list type="bullet">
/// <item>"zipf" (the default): 40,000 words whose frequencies follow Zipf's law (the word of rank r is drawn with
/// probability proportional to 1/r), as in real news text: English function words at the top (the text-search
/// configuration drops them, as it drops them from real text), then the newsroom words the benchmark's queries
/// use, spread over ranks 40 to 4,000 (in a few percent to about half of the articles), and the rest made up of
/// syllables, most of them rare.</item>
/// <item>"worst": the old vocabulary of 90 newsroom words drawn uniformly, so every search word is in nearly every
/// article and every title shares trigrams with every other.</item>
/// </list>
/// </summary>
internal sealed class Vocabulary
{
    // bench/requests.lua queries these words: they must stay in both vocabularies.
    private static readonly string[] Newsroom =
    ("government minister talks ceasefire border security alliance trade tariff market energy gas grain port " +
     "election parliament court ruling budget defence army navy drone missile sanctions export import summit " +
     "treaty guarantee negotiation coalition opposition protest reform inflation currency bank investment mine " +
     "gold copper shipping arctic climate storm harbour rail bridge hospital school vote poll campaign leader " +
     "president prime official spokesperson analyst report agreement deal dispute region capital province").Split(' ');

    private static readonly string[] FunctionWords =
        "the of and to in a is that for on was with as by at it from be has are said his have an its were not but which".Split(' ');

    private static readonly string[] Syllables =
        "ba be bi bo da de di do fa fe fi ga go ka ke ki ko la le li lo ma me mi mo na ne ni no pa pe pi po ra re ri ro sa se si so ta te ti to va ve vi vo za zo ar en in or ul an el on ist ter mon vel dor kin sar".Split(' ');

    private readonly string[] _words;
    private readonly double[] _cumulative;

    private Vocabulary(string[] words, double[] weights)
    {
        _words = words;
        _cumulative = new double[weights.Length];
        var sum = 0.0;
        for (var i = 0; i < weights.Length; i++)
            _cumulative[i] = sum += weights[i];
        for (var i = 0; i < weights.Length; i++)
            _cumulative[i] /= sum;
    }

    public int Count => _words.Length;

    public static Vocabulary Named(string name) => name switch
    {
        "zipf" => Zipf(40_000),
        "worst" => new Vocabulary(Newsroom, [.. Newsroom.Select(_ => 1.0)]),
        _ => throw new ArgumentException($"Unknown vocabulary '{name}': zipf or worst."),
    };

    private static Vocabulary Zipf(int size)
    {
        var random = new Random(40_000);
        var words = new string[size];
        var taken = new HashSet<string>(FunctionWords.Concat(Newsroom));
        for (var i = 0; i < FunctionWords.Length; i++)
            words[i] = FunctionWords[i];
        // Rank 40, 84, 128 … up to about 4,000: from about half of the articles down to a few percent.
        for (var i = 0; i < Newsroom.Length; i++)
            words[40 + i * 44] = Newsroom[i];
        var made = new StringBuilder();
        for (var rank = 0; rank < size; rank++)
        {
            if (words[rank] is not null)
                continue;
            string word;
            do
            {
                made.Clear();
                var syllables = 2 + random.Next(3);
                for (var s = 0; s < syllables; s++)
                    made.Append(Syllables[random.Next(Syllables.Length)]);
                word = made.ToString();
            }
            while (!taken.Add(word));
            words[rank] = word;
        }
        return new Vocabulary(words, [.. Enumerable.Range(1, size).Select(r => 1.0 / r)]);
    }

    public string Next(Random random)
    {
        var at = Array.BinarySearch(_cumulative, random.NextDouble());
        return _words[Math.Min(at < 0 ? ~at : at, _words.Length - 1)];
    }
}

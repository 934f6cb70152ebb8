using System.Text;

namespace HeadlessNews.Api.Features.Transfer;

/// <summary>One line of an import: its text, or null when it was longer than the import allows.</summary>
internal readonly record struct ImportLine(string? Text);

/// <summary>
/// Reads lines as <see cref="TextReader.ReadLineAsync(CancellationToken)"/> does (ended by \n, \r or \r\n), but keeps
/// at most <see cref="MaxChars"/> characters of one: the rest of a longer line is read and dropped, so one huge line
/// costs its reading time, not its size in memory.
/// </summary>
internal sealed class ImportLines(TextReader reader)
{
    /// <summary>
    /// Room for the largest article a write accepts, even with every character escaped as \uXXXX (as the export
    /// writes non-ASCII text), and its notes; a line of 4 GB would otherwise become a string of 8 GB.
    /// </summary>
    public const int MaxChars = 8 * 1024 * 1024;

    private readonly char[] _buffer = new char[64 * 1024];
    private int _start, _end;
    private bool _afterCarriageReturn;

    public async ValueTask<ImportLine?> ReadAsync(CancellationToken ct)
    {
        var line = new StringBuilder();
        var tooLong = false;
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await reader.ReadAsync(_buffer.AsMemory(), ct);
                if (_end == 0)
                    return line.Length > 0 || tooLong ? Finish(line, tooLong) : null;
            }
            if (_afterCarriageReturn)
            {
                _afterCarriageReturn = false;
                if (_buffer[_start] == '\n')
                    _start++;
                continue;
            }
            var rest = _buffer.AsSpan(_start, _end - _start);
            var stop = rest.IndexOfAny('\n', '\r');
            var piece = stop < 0 ? rest : rest[..stop];
            if (!tooLong && line.Length + piece.Length <= MaxChars)
                line.Append(piece);
            else
            {
                tooLong = true;
                line.Clear();
            }
            if (stop < 0)
            {
                _start = _end;
                continue;
            }
            _afterCarriageReturn = rest[stop] == '\r';
            _start += stop + 1;
            return Finish(line, tooLong);
        }
    }

    private static ImportLine Finish(StringBuilder line, bool tooLong) => new(tooLong ? null : line.ToString());
}

package org.naspipeline.worker.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * Strict UTF-8 text of one data file, as a {@link Reader} (for commons-csv) or line by line: a leading byte order
 * mark is skipped, invalid UTF-8 and a line longer than {@code maxLineChars} characters end the reading with an
 * {@link IOException} naming the file and the line, and the overlong line is not read further. A line ends with
 * {@code \n}, {@code \r\n} or {@code \r} (as in CSV). Character positions count from the first character after
 * the byte order mark, as commons-csv counts them.
 */
final class TextLines extends Reader {
    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteBuffer bytes = ByteBuffer.allocate(8192).flip();
    private boolean endOfInput;
    private boolean ended;
    private boolean invalid;
    private final String file;
    private final int maxLineChars;
    private final char[] buffer = new char[8192];
    private int buffered;
    private int next;
    private boolean started;
    /** The line of the next character. */
    private long line = 1;
    private int lineChars;
    /** The last character was a {@code \r}. */
    private boolean afterCr;
    /** The last character was the {@code \n} of a {@code \r\n}. */
    private boolean afterCrLf;
    private long position;
    /** Whether {@link #lineAt} is used: the reader of commons-csv reads ahead of the records it returns. */
    private final boolean tracksPositions;
    /** Positions where lines start that {@link #lineAt} has not passed yet, in order. */
    private final ArrayDeque<Long> lineStarts = new ArrayDeque<>();
    private long linesPassed;

    /**
     * @param file the name in messages
     * @param tracksPositions whether {@link #lineAt} will be asked (it keeps the starts of the lines read ahead)
     */
    TextLines(InputStream bytes, String file, int maxLineChars, boolean tracksPositions) {
        this.tracksPositions = tracksPositions;
        this.in = bytes;
        this.file = file;
        this.maxLineChars = maxLineChars;
    }

    /** The line the next character is on (1-based). */
    long line() {
        return line;
    }

    /**
     * The line of the character at {@code position}; positions asked about must not decrease, and must not lie
     * before a line already passed by an earlier question.
     */
    long lineAt(long position) {
        while (!lineStarts.isEmpty() && lineStarts.peekFirst() <= position) {
            lineStarts.pollFirst();
            linesPassed++;
        }
        return 1 + linesPassed;
    }

    /** The next line without its terminator, or null at the end of the file. */
    String readLine() throws IOException {
        StringBuilder s = new StringBuilder();
        int c = nextChar();
        if (c < 0) {
            return null;
        }
        if (c == '\n' && afterCrLf) {
            // the \n of a \r\n whose \r ended the previous line
            c = nextChar();
            if (c < 0) {
                return null;
            }
        }
        while (c >= 0 && c != '\n' && c != '\r') {
            s.append((char) c);
            c = nextChar();
        }
        return s.toString();
    }

    private int nextChar() throws IOException {
        if (next == buffered) {
            if (!fill()) {
                return -1;
            }
        }
        char c = buffer[next++];
        long p = position++;
        if (c == '\n') {
            if (afterCr) {
                // \r\n: the line started after the \r now starts after the \n
                if (tracksPositions && !lineStarts.isEmpty() && lineStarts.peekLast() == p) {
                    lineStarts.pollLast();
                    lineStarts.addLast(p + 1);
                }
                afterCrLf = true;
            } else {
                newLine(p + 1);
                afterCrLf = false;
            }
            afterCr = false;
            lineChars = 0;
        } else if (c == '\r') {
            newLine(p + 1);
            afterCr = true;
            afterCrLf = false;
            lineChars = 0;
        } else {
            afterCr = false;
            afterCrLf = false;
            if (++lineChars > maxLineChars) {
                throw new InvalidDataException(file + " line " + line + ": longer than " + maxLineChars + " characters");
            }
        }
        return c;
    }

    private void newLine(long start) {
        line++;
        if (tracksPositions) {
            lineStarts.addLast(start);
        }
    }

    /** Decodes the next characters into {@link #buffer}; false at the end of the file. */
    private boolean fill() throws IOException {
        while (true) {
            if (invalid) {
                throw new InvalidDataException(file + " line " + line + ": not valid UTF-8");
            }
            CharBuffer out = CharBuffer.wrap(buffer);
            CoderResult result = ended ? decoder.flush(out) : decoder.decode(bytes, out, endOfInput);
            if (result.isError()) {
                invalid = true; // after the characters decoded before it, so that the line number is exact
            } else if (endOfInput && result.isUnderflow()) {
                if (ended) {
                    if (out.position() == 0) {
                        return false;
                    }
                } else {
                    ended = true;
                }
            }
            if (out.position() > 0) {
                buffered = out.position();
                next = 0;
                if (!started) {
                    started = true;
                    if (buffer[0] == '\uFEFF') {
                        next = 1;
                    }
                }
                if (next < buffered) {
                    return true;
                }
            }
            if (!invalid && !endOfInput && result.isUnderflow()) {
                readBytes();
            }
        }
    }

    private void readBytes() throws IOException {
        bytes.compact();
        try {
            int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
            if (n < 0) {
                endOfInput = true;
            } else {
                bytes.position(bytes.position() + n);
            }
        } catch (java.util.zip.ZipException e) { // a damaged .gz: its bytes, not the disk
            throw new InvalidDataException(file + " line " + line + ": cannot be read: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IOException(file + " line " + line + ": cannot be read: " + e.getMessage(), e);
        } finally {
            bytes.flip();
        }
    }

    @Override
    public int read(char[] cbuf, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        int n = 0;
        while (n < len) {
            int c = nextChar();
            if (c < 0) {
                break;
            }
            cbuf[off + n++] = (char) c;
        }
        return n == 0 ? -1 : n;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}

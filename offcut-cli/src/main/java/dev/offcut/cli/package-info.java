/**
 * The {@code offcut} command line. {@link dev.offcut.cli.Main} dispatches to {@code bench}, {@code report}
 * (Markdown from the JSON of {@code bench --json}, see {@link dev.offcut.cli.MarkdownReport}) and {@code demo}.
 *
 * <p>{@code bench} is a pipeline of small steps: {@link dev.offcut.cli.BenchOptions} parses the arguments,
 * {@link dev.offcut.cli.Selection} turns them and the bench module's catalog ({@link dev.offcut.cli.Suite}) into a
 * {@link dev.offcut.cli.Plan}, {@link dev.offcut.cli.BenchRunner} runs its pairs with a
 * {@link dev.offcut.cli.Progress} line, and the {@link dev.offcut.cli.BenchResults} are rendered by
 * {@link dev.offcut.cli.TableRenderer}, {@link dev.offcut.cli.JsonReport} (through the hand-written
 * {@link dev.offcut.cli.JsonWriter}) and {@link dev.offcut.cli.HtmlReport} (with inline SVG charts).
 */
package dev.offcut.cli;

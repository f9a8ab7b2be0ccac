// Preloaded (`node --import`) into a child process whose peak memory a benchmark or test reads:
// prints the peak resident set size, in kilobytes, as the process exits.
process.on('exit', () => {
  process.stderr.write(`\npeak-rss-kb ${process.resourceUsage().maxRSS}\n`);
});

/**
 * The report's one script. It draws nothing (the charts are static SVG, readable with scripts
 * off); it measures what the browser laid out and writes it into `<pre id="render-check">`, so a
 * headless browser's DOM dump shows whether every chart and mark was really drawn, and whether
 * any markup from the data slipped in as elements.
 */
export const renderCheckScript = `(() => {
  const rows = Array.from(document.querySelectorAll('tr[data-review]'));
  const kind = document.getElementById('review-kind');
  const run = document.getElementById('review-run');
  const search = document.getElementById('review-search');
  const shown = document.getElementById('review-shown');
  const filter = () => {
    const wanted = kind ? kind.value : '';
    const wantedRun = run ? run.value : '';
    const text = search ? search.value.trim().toLowerCase() : '';
    let visible = 0;
    for (const row of rows) {
      const match =
        (wanted === '' || row.dataset.kind.split(' ').includes(wanted)) &&
        (wantedRun === '' || row.dataset.run === wantedRun) &&
        (text === '' || row.textContent.toLowerCase().includes(text));
      row.hidden = !match;
      if (match) visible += 1;
    }
    if (shown) shown.textContent = visible + ' of ' + rows.length + ' shown';
    return visible;
  };
  // The address can carry a filter, e.g. report.html#kind=wrong&q=refund, so a link opens it filtered.
  const wantedByAddress = new URLSearchParams(location.hash.slice(1));
  if (kind && wantedByAddress.has('kind')) kind.value = wantedByAddress.get('kind');
  if (run && wantedByAddress.has('run')) run.value = wantedByAddress.get('run');
  if (search && wantedByAddress.has('q')) search.value = wantedByAddress.get('q');
  for (const control of [kind, run, search]) if (control) control.addEventListener('input', filter);
  const reviewShown = filter();
  const charts = Array.from(document.querySelectorAll('svg[data-chart]')).map((svg) => {
    const box = svg.getBoundingClientRect();
    const marks = Array.from(svg.querySelectorAll('[data-mark]'));
    const drawn = marks.filter((mark) => {
      const markBox = mark.getBoundingClientRect();
      return markBox.width > 0 || markBox.height > 0;
    });
    return {
      id: svg.id,
      width: box.width,
      height: box.height,
      marks: marks.length,
      drawnMarks: drawn.length,
      expectedMarks: Number(svg.getAttribute('data-expected-marks')),
    };
  });
  const check = document.getElementById('render-check');
  if (check) {
    check.textContent = JSON.stringify({
      charts,
      scripts: document.scripts.length,
      images: document.images.length,
      iframes: document.querySelectorAll('iframe, object, embed').length,
      sections: Array.from(document.querySelectorAll('section[id]')).map((section) => section.id),
      review: { rows: rows.length, shown: reviewShown },
    });
  }
})();`;

/**
 * The report's one script. It draws nothing (the charts are static SVG, readable with scripts
 * off); it measures what the browser laid out and writes it into `<pre id="render-check">`, so a
 * headless browser's DOM dump shows whether every chart and mark was really drawn, and whether
 * any markup from the data slipped in as elements.
 */
export const renderCheckScript = `(() => {
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
    });
  }
})();`;

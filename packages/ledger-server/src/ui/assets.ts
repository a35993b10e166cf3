/**
 * The pages' only assets, served by the service itself (no CDN, no web fonts: the system font stack,
 * Noto CJK on Linux). The stylesheet is 适老化 on the resident page: large type, high contrast (dark text
 * on white, at least 7:1), touch targets of at least 56 px. The script only enhances: every form works
 * without it. It is ES5, for old Android WebViews.
 */
import { createHash } from 'node:crypto';

const fontStack = `system-ui, -apple-system, "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif`;

export const stylesheet = `
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font-family: ${fontStack}; color: #111; background: #fff; line-height: 1.5; }
a { color: #0b3d91; } a:focus, button:focus, input:focus, select:focus, summary:focus { outline: 3px solid #b35c00; outline-offset: 2px; }
header.bar { background: #0b3d91; color: #fff; padding: .6em 1em; display: flex; flex-wrap: wrap; gap: .5em 1em; align-items: center; }
header.bar a { color: #fff; } header.bar .title { font-weight: 700; margin-right: auto; }
main { padding: 1em; max-width: 72em; margin: 0 auto; }
h1 { font-size: 1.5em; margin: .4em 0; } h2 { font-size: 1.25em; margin: 1.2em 0 .4em; border-bottom: 2px solid #0b3d91; padding-bottom: .2em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; } th, td { border-bottom: 1px solid #767676; padding: .4em .5em; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
button, .button { display: inline-block; min-height: 44px; padding: .4em 1em; font: inherit; font-weight: 700; border-radius: 6px; border: 2px solid #0b3d91; background: #0b3d91; color: #fff; cursor: pointer; text-decoration: none; }
button.secondary, .button.secondary { background: #fff; color: #0b3d91; } button.danger { background: #8a1010; border-color: #8a1010; }
input, select, textarea { font: inherit; min-height: 44px; padding: .3em .5em; border: 2px solid #555; border-radius: 6px; max-width: 100%; }
label { display: block; margin: .4em 0 .2em; font-weight: 600; }
form.inline { display: inline; } .row { display: flex; flex-wrap: wrap; gap: .5em; align-items: flex-end; }
.note { color: #333; } .url { word-break: break-all; } .flash { border: 3px solid #0a6b2d; padding: .6em 1em; border-radius: 6px; background: #eef8f0; }
.flash.error { border-color: #8a1010; background: #fbeeee; }
.card { border: 2px solid #767676; border-radius: 8px; padding: .8em 1em; margin: .6em 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1em; top: 1em; background: #fff; color: #0b3d91; padding: .5em; z-index: 2; }
figure.chart { margin: 1em 0; } figure.chart svg { width: 100%; height: auto; max-width: 56em; display: block; } figure.chart figcaption { font-weight: 700; }
.bar-chart text { font-size: 12px; fill: #111; }
/* The resident page: 适老化 */
body.resident { font-size: 20px; }
body.resident main { max-width: 40em; }
body.resident button, body.resident .button { min-height: 56px; font-size: 1.05em; padding: .5em 1.2em; }
body.resident input, body.resident select { min-height: 56px; font-size: 1.05em; width: 100%; }
body.resident textarea { font-size: 1.05em; width: 100%; }
body.resident input[type=radio] { width: auto; min-height: 0; transform: scale(1.6); margin: 0 .6em; }
body.resident label.choice { display: block; padding: .4em 0; min-height: 48px; }
body.resident fieldset { border: 2px solid #767676; border-radius: 8px; margin: .6em 0; }
body.resident summary { min-height: 56px; font-weight: 700; cursor: pointer; padding: .4em 0; }
.big-number { font-size: 2.6em; font-weight: 800; line-height: 1.1; }
.facts { display: grid; grid-template-columns: 1fr 1fr; gap: .5em; } .facts div { border: 2px solid #767676; border-radius: 8px; padding: .5em .7em; }
.facts strong { display: block; font-size: 1.4em; }
progress { width: 100%; height: 1.2em; }
.qr svg { width: 60mm; height: 60mm; display: block; margin: 0 auto; }
.print-card { border: 3px dashed #333; padding: 1.5em; max-width: 120mm; margin: 1em auto; text-align: center; font-size: 20px; }
@media print { header.bar, .no-print { display: none; } main { padding: 0; } }
@media (max-width: 480px) {
  .facts { grid-template-columns: 1fr; }
  /* A table too wide for a phone becomes one block per row, each value labelled. */
  table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.stack tr { display: block; border-bottom: 1px solid #767676; padding: .4em 0; }
  table.stack td { display: block; border: 0; padding: .1em 0; text-align: left; }
  table.stack td[data-label]::before { content: attr(data-label) "："; font-weight: 600; }
}
`;

export const script = `(function () {
  'use strict';
  // Confirm before a destructive action (without the script the form just submits).
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var question = form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    // One press, one request: the button stays down until the next page.
    var buttons = form.querySelectorAll('button[type=submit], button:not([type])');
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
    if (event.submitter && event.submitter.name) {
      var keep = document.createElement('input');
      keep.type = 'hidden'; keep.name = event.submitter.name; keep.value = event.submitter.value;
      form.appendChild(keep);
    }
  });
  // "Select all" for the approval queue.
  var all = document.querySelectorAll('input[data-select-all]');
  for (var j = 0; j < all.length; j++) {
    all[j].hidden = false;
    all[j].addEventListener('change', function (event) {
      var boxes = document.querySelectorAll('input[name="' + event.target.getAttribute('data-select-all') + '"]');
      for (var k = 0; k < boxes.length; k++) boxes[k].checked = event.target.checked;
    });
  }
  var printers = document.querySelectorAll('[data-print]');
  for (var p = 0; p < printers.length; p++) {
    printers[p].hidden = false;
    printers[p].addEventListener('click', function () { window.print(); });
  }
})();
`;

const version = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);
/** Paths carry a content hash, so the assets can be cached for long and never go stale. */
export const stylesheetPath = `/ui/app.${version(stylesheet)}.css`;
export const scriptPath = `/ui/app.${version(script)}.js`;
/** Cached for a year: the path changes with the content. */
export const assetCacheControl = 'public, max-age=31536000, immutable';

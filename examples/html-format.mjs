// An example third-party plugin: `nodupe dupes --plugins examples --format html > dupes.html`.
// `nodupe/plugin` resolves wherever nodupe is installed as a dependency (here, inside nodupe's own package).
import { definePlugin } from 'nodupe/plugin';

const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => ENTITIES[c]);
const size = (bytes) => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
};

/** @type {import('nodupe/plugin').FormatContribution} */
const html = {
  name: 'html',
  description: 'a web page of the duplicate groups',
  render(report, out) {
    const s = report.summary;
    out.write('<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Duplicates</title>\n');
    out.write('<style>body{font:14px system-ui;margin:2em}li{font-family:monospace}</style></head><body>\n');
    out.write(
      `<h1>${s.groups} groups, ${s.redundant} redundant files, ${size(s.reclaimableBytes)} reclaimable</h1>\n`,
    );
    for (const group of report.groups) {
      out.write(`<section><h2>${size(group.size)} × ${group.files.length}</h2><ul>\n`);
      for (const file of group.files) {
        for (const path of file.paths) out.write(`<li>${escape(path.toString())}</li>\n`);
      }
      out.write('</ul></section>\n');
    }
    out.write('</body></html>\n');
  },
};

export default definePlugin({
  name: 'html-format',
  version: '1.0.0',
  api: '^1',
  provides: { formats: [html] },
});

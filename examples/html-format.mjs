// An example third-party plugin: `nodupe dupes --plugins examples --format html > dupes.html`.
// Copy it into any plugin folder: nodupe resolves `nodupe/plugin` to its own API, wherever the file is.
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

// The page's title: `title` under `[plugin.html-format]` in the config file.
let title = 'Duplicates';

/** @type {import('nodupe/plugin').FormatContribution} */
const html = {
  name: 'html',
  description: 'a web page of the duplicate groups',
  render(report, out) {
    const s = report.summary;
    out.write('<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n');
    out.write(`<title>${escape(title)}</title>\n`);
    out.write('<style>body{font:14px system-ui;margin:2em}li{font-family:monospace}</style></head><body>\n');
    out.write(
      `<h1>${s.groups} groups, ${s.redundant} redundant files, ${size(s.reclaimableBytes)} reclaimable</h1>\n`,
    );
    for (const group of report.groups) {
      out.write(`<section><h2>${size(group.size)} × ${group.files.length}</h2><ul>\n`);
      for (const file of group.files) {
        // A path is a string, or a Buffer when its name is not UTF-8: String() shows both.
        for (const path of file.paths) out.write(`<li>${escape(String(path))}</li>\n`);
      }
      out.write('</ul></section>\n');
    }
    out.write('</body></html>\n');
  },
};

export default definePlugin({
  name: 'html-format',
  version: '1.0.0',
  // 1.0.1: a path that is not UTF-8 comes as a Buffer, which String() shows.
  api: '^1.0.1',
  provides: { formats: [html] },
  setup(ctx) {
    if (typeof ctx.config.title === 'string') title = ctx.config.title;
  },
});

import { csvField } from '../dupes/formats/csv.js';
import { displayPath } from '../model/paths.js';
import type { Plan } from './plan.js';

/**
 * The plan for spreadsheets: one row per path, keepers (`keep`) and actions alike. An export to read, not
 * a plan: apply consumes only the JSON document.
 */
export function planToCsv(plan: Plan): string {
  const rows = ['group,op,path,keeper,size,hash,reason'];
  plan.groups.forEach((g, i) => {
    for (const k of g.keepers) {
      rows.push(
        [i + 1, 'keep', csvField(displayPath(k.path)), '', g.size, g.hash, csvField(k.reason)].join(','),
      );
    }
    for (const a of g.actions) {
      rows.push(
        [
          i + 1,
          a.op,
          csvField(displayPath(a.path)),
          csvField(displayPath(a.keeper)),
          g.size,
          g.hash,
          csvField(a.reason),
        ].join(','),
      );
    }
  });
  return `${rows.join('\n')}\n`;
}

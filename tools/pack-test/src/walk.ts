/** Listing the files of a folder tree. */
import * as fs from 'fs';
import * as path from 'path';

/** Every file under `dir` (recursively), relative to it with `/` separators, sorted. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const visit = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) visit(child);
      else if (e.isFile()) out.push(child);
    }
  };
  visit('');
  return out.sort();
}

// Copies the pinned Apache ECharts build (and its licence) into the directory given as the first argument, which
// the Maven build packs into the controller's jar under nas-ui/vendor/. Fails unless the installed version is the pinned one.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2];
if (!out) {
  console.error('usage: node vendor.mjs OUTPUT_DIR');
  process.exit(2);
}
const pinned = JSON.parse(readFileSync('package.json', 'utf8')).dependencies.echarts;
const installed = JSON.parse(readFileSync(join('node_modules', 'echarts', 'package.json'), 'utf8')).version;
if (installed !== pinned) {
  console.error(`node_modules/echarts is ${installed}, package.json pins ${pinned}: run npm ci in controller/ui`);
  process.exit(1);
}
mkdirSync(out, { recursive: true });
copyFileSync(join('node_modules', 'echarts', 'dist', 'echarts.min.js'), join(out, 'echarts.min.js'));
copyFileSync(join('node_modules', 'echarts', 'LICENSE'), join(out, 'echarts.LICENSE.txt'));
console.log(`vendored echarts ${installed} into ${out}`);

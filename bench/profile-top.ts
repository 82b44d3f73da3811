// `npx tsx bench/profile-top.ts <file.cpuprofile> [count]`: where a V8 CPU profile (the bench's
// server with BENCH_CPU_PROF=<dir>) spent its time. Prints the functions with the most self time,
// then self time summed per package or source file, so that a cost spread over many small
// functions of one library shows up as one line.
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const [file, countArg] = process.argv.slice(2);
if (!file) {
  console.error("usage: tsx bench/profile-top.ts <file.cpuprofile> [count]");
  process.exit(2);
}
const count = Number(countArg ?? 40);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;

// Self time per node: each sample's delta belongs to the node it hit.
const selfUs = new Map<number, number>();
profile.samples.forEach((node, i) => {
  selfUs.set(node, (selfUs.get(node) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const totalUs = profile.endTime - profile.startTime;

/** `node_modules/<package>` (scoped too), else the file under the repository, else the URL. */
function ownerOf(url: string): string {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1] as string;
  const inRepo = /\/(src|bench|test)\/(.+)$/.exec(url);
  if (inRepo) return `${inRepo[1]}/${inRepo[2]}`;
  return url === "" ? "(native/V8)" : url.replace(/^node:/, "node:");
}

const byFunction = new Map<string, number>();
const byOwner = new Map<string, number>();
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (us === 0) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const owner = ownerOf(url);
  const key = `${functionName || "(anonymous)"}  ${owner}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
}

const print = (title: string, entries: Map<string, number>) => {
  console.log(title);
  for (const [key, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(
      `${(us / 1000).toFixed(0).padStart(8)} ms ${((us / totalUs) * 100).toFixed(1).padStart(5)} %  ${key}`,
    );
  }
};
console.log(`profile of ${(totalUs / 1e6).toFixed(1)} s`);
print("self time by function:", byFunction);
print("self time by package or file:", byOwner);

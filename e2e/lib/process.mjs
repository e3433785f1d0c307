// Child processes of the benches (the server, camera agents).

/** Resolves with the match once the child's stdout has printed `re`; rejects if it exits first. */
export function waitLine(child, re) {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(re);
      if (m) resolve(m);
    });
    child.on("exit", () => reject(new Error(`exited before printing ${re}`)));
  });
}

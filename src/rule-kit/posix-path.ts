/** The few POSIX path operations rules need (rule-kit imports nothing from Node). */
function normalize(path: string): string {
  const absolute = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
    } else out.push(part);
  }
  const joined = out.join("/");
  return absolute ? `/${joined}` : joined || ".";
}

export const posix = {
  normalize,
  join: (...parts: string[]): string => normalize(parts.filter((p) => p !== "").join("/") || "."),
  dirname: (path: string): string => {
    const at = path.replace(/\/+$/, "").lastIndexOf("/");
    return at < 0 ? "." : at === 0 ? "/" : path.slice(0, at);
  },
  basename: (path: string): string => path.replace(/\/+$/, "").split("/").pop() ?? "",
};

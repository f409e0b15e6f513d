// One of Node's allow-listed native modules through process.binding (process_wrap, pipe_wrap,
// stream_wrap, tcp_wrap: the same on Node 20 and 24), or undefined where process.binding is
// gone or throws. Callers check the shape of what they get and fall back to the public API.
export function processBinding(name: string): Record<string, unknown> | undefined {
  try {
    const binding = (process as unknown as { binding?: (name: string) => unknown }).binding;
    if (typeof binding !== 'function') return undefined;
    const module = binding.call(process, name);
    return typeof module === 'object' && module !== null ? (module as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

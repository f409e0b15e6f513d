// Asking to stop (a signal, /quit) is apart from stopping. /quit is a route, the route
// table is made before the server, and shutdown closes the server: wired directly, the
// three would need each other. Those who ask get `request` when they are made; shutdown
// is handed over once it exists.
export interface StopRequests {
  /** Asks to stop; `why` names the asker (SIGTERM, /quit). */
  readonly request: (why: string) => void;
  /** Sets what a request does. Requests made before are passed on now, in order. */
  handle(stop: (why: string) => void): void;
}

export function createStopRequests(): StopRequests {
  let stop: ((why: string) => void) | undefined;
  const early: string[] = [];
  return {
    request: (why) => {
      if (stop === undefined) early.push(why);
      else stop(why);
    },
    handle(handler) {
      if (stop !== undefined) throw new Error('stop requests are handled already');
      stop = handler;
      for (const why of early.splice(0)) handler(why);
    },
  };
}

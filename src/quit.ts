// `/quit`, only with --allow-quit: anyone who can reach the port could otherwise kill
// the pod's sidecar. Exits through the normal graceful shutdown.
import { send } from './http';
import type { Logger } from './log';
import type { Handler } from './route';

/** `requestStop` is called once the answer is out; it starts the graceful shutdown. */
export function quitHandler(logger: Logger, requestStop: (why: string) => void): Handler {
  return (req, res) => {
    logger.info(`Shutdown requested via /quit by ${req.socket.remoteAddress ?? '?'}`);
    send(res, 200, 'shutting down\n', undefined, { Connection: 'close' });
    res.on('finish', () => requestStop('/quit'));
  };
}

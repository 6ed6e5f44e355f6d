// The Strata SDK: `new Strata({baseUrl, token})` gives the REST calls (strata.rest) and a
// self-healing socket (strata.socket). Browser and Node 20 alike.
import { StrataRest, type RestOptions } from './rest.js';
import { StrataSocket, type SocketOptions } from './socket.js';

export { StrataError, StrataRest } from './rest.js';
export { StrataSocket, type SocketState } from './socket.js';
export type * from './types.js';

export class Strata {
  readonly rest: StrataRest;
  readonly socket: StrataSocket;

  constructor(opts: RestOptions & Omit<SocketOptions, 'rest'>) {
    this.rest = new StrataRest(opts);
    this.socket = new StrataSocket({ ...opts, rest: this.rest });
  }

  close() {
    this.socket.close();
  }
}

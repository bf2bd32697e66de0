import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { SlackApiError, str } from './fake-slack-wire.js';
import type { SlackWorkspace } from './fake-slack-workspace.js';

export type EnvelopeType = 'events_api' | 'interactive' | 'slash_commands';

export interface FakeEnvelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: any;
  accepts_response_payload: boolean;
  /** When it went out on a socket; undefined while it waits for a connection. */
  sentAt?: number;
  connectionId?: number;
  /** The client's `{ envelope_id, payload }`, when and how long after `sentAt` it came. */
  ack?: { at: number; ms: number; payload: any };
}

export interface FakeConnection {
  id: number;
  openedAt: number;
  closedAt?: number;
  closeCode?: number;
  /** Pings the client sent (the ws server answers each with a pong). */
  clientPings: number;
  /** Pongs the client sent back to `ping()`. */
  pongs: number;
  /** Sent a `disconnect`: no further envelopes go to it. */
  retiring: boolean;
  socket: WebSocket;
}

/**
 * Socket Mode's side of the fake: the `wss://…/link/?ticket=…` connections that
 * `apps.connections.open` hands out, `hello` on connect, envelopes out, acks in, `disconnect`.
 * Frames are the ones python-slack-sdk's mock server sends and SocketModeClient reads.
 */
export class SocketModeLink {
  readonly connections: FakeConnection[] = [];
  readonly envelopes: FakeEnvelope[] = [];
  /** Frames from the client that were not acks of a delivered envelope (kept, never fatal). */
  readonly strayFrames: string[] = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Map<string, { used: boolean }>();
  private readonly pending: FakeEnvelope[] = [];

  constructor(private readonly ws: SlackWorkspace, private readonly onInternalError: (error: unknown) => void) {}

  /** A one-connection ticket, as `apps.connections.open` returns it in its `url`. */
  openTicket(): string {
    const ticket = randomUUID();
    this.tickets.set(ticket, { used: false });
    return ticket;
  }

  get open(): FakeConnection[] {
    return this.connections.filter((c) => c.closedAt === undefined);
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {});
    const url = new URL(req.url ?? '/', 'http://fake');
    const ticket = this.tickets.get(url.searchParams.get('ticket') ?? '');
    const refuse = (status: string) => socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    if (url.pathname !== '/link/' && url.pathname !== '/link') return void refuse('404 Not Found');
    // One ticket opens one connection; reconnecting means calling apps.connections.open again.
    if (!ticket || ticket.used) return void refuse('401 Unauthorized');
    ticket.used = true;
    this.wss.handleUpgrade(req, socket, head, (socket) => this.connected(socket));
  }

  /** Queues an envelope for the newest connection not told to go; it waits if there is none. */
  deliver(envelope: FakeEnvelope): FakeEnvelope {
    this.envelopes.push(envelope);
    this.send(envelope);
    return envelope;
  }

  disconnect(reason: string): number {
    const open = this.open;
    for (const conn of open) {
      conn.retiring = true;
      conn.socket.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: `applink-fake-${conn.id}` } }));
    }
    return open.length;
  }

  close({ code = 1001, abrupt = false }: { code?: number; abrupt?: boolean } = {}): void {
    for (const conn of this.open) {
      if (abrupt) conn.socket.terminate();
      else conn.socket.close(code, 'fake close');
    }
  }

  ping(): void {
    for (const conn of this.open) conn.socket.ping(Buffer.from(`ping from fake ${Date.now()}`));
  }

  stop(): void {
    for (const conn of this.connections) conn.socket.terminate();
    this.wss.close();
  }

  private connected(socket: WebSocket): void {
    const conn: FakeConnection = { id: this.connections.length + 1, openedAt: Date.now(), clientPings: 0, pongs: 0, retiring: false, socket };
    this.connections.push(conn);
    socket.on('error', () => {});
    socket.on('ping', () => conn.clientPings++);
    socket.on('pong', () => conn.pongs++);
    socket.on('close', (code) => Object.assign(conn, { closedAt: Date.now(), closeCode: code }));
    socket.on('message', (data, isBinary) => {
      try {
        this.received(isBinary ? undefined : String(data));
      } catch (error) {
        this.onInternalError(error);
      }
    });
    socket.send(JSON.stringify({
      type: 'hello',
      num_connections: this.open.length,
      debug_info: { host: `applink-fake-${conn.id}`, build_number: 1, approximate_connection_time: 18060 },
      connection_info: { app_id: this.ws.appId },
    }));
    for (const envelope of this.pending.splice(0)) this.send(envelope);
  }

  private send(envelope: FakeEnvelope): void {
    const conn = this.open.filter((c) => !c.retiring && c.socket.readyState === c.socket.OPEN).at(-1);
    if (!conn) {
      this.pending.push(envelope);
      return;
    }
    envelope.sentAt = Date.now();
    envelope.connectionId = conn.id;
    conn.socket.send(JSON.stringify({
      envelope_id: envelope.envelope_id,
      payload: envelope.payload,
      type: envelope.type,
      accepts_response_payload: envelope.accepts_response_payload,
      ...(envelope.type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
    }));
  }

  /** An ack (`{ envelope_id, payload }`); its payload answers a view submission or a command. */
  private received(text: string | undefined): void {
    let frame: any;
    try {
      frame = text === undefined ? undefined : JSON.parse(text);
    } catch {
      frame = undefined;
    }
    const envelope = typeof frame?.envelope_id === 'string' ? this.envelopes.find((e) => e.envelope_id === frame.envelope_id) : undefined;
    if (!envelope || envelope.ack || envelope.sentAt === undefined) {
      this.strayFrames.push(text ?? '<binary>');
      return;
    }
    const at = Date.now();
    const payload = typeof frame.payload === 'object' && frame.payload !== null ? frame.payload : {};
    envelope.ack = { at, ms: at - envelope.sentAt, payload };
    if (envelope.payload?.type === 'view_submission') this.answerView(envelope, payload);
    if (envelope.type === 'slash_commands' && (payload.text !== undefined || payload.blocks !== undefined)) {
      this.ws.responses.push({ envelopeId: envelope.envelope_id, via: 'ack', body: payload, at });
      this.ws.ephemerals.push({ channel: envelope.payload.channel_id, user: envelope.payload.user_id, text: str(payload.text) ?? '', ...(payload.blocks ? { blocks: payload.blocks } : {}), via: 'ack' });
    }
  }

  /** `response_action` of a view_submission ack: `errors` keeps the modal open, `update`/`push` change it, none closes it. */
  private answerView(envelope: FakeEnvelope, payload: any): void {
    const stored = this.ws.views.get(envelope.payload.view.id);
    if (!stored) return;
    try {
      switch (payload.response_action) {
        case 'errors':
          stored.errors = payload.errors;
          return;
        case 'update':
          this.ws.storeView(stored.id, this.ws.checkView(payload.view), stored.user, stored);
          return;
        case 'push':
          this.ws.storeView(this.ws.nextId('V'), this.ws.checkView(payload.view), stored.user, stored);
          return;
        default:
          stored.closedAt = Date.now();
      }
    } catch (error) {
      // Slack shows the person an error for an invalid view in an ack; the fake keeps it on the view.
      if (!(error instanceof SlackApiError)) throw error;
      stored.errors = { '': `${error.code}: ${JSON.stringify(error.extra)}` };
    }
  }
}

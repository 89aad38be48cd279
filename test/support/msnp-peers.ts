// A tiny scripted MSNP8 notification server, switchboard and client over real loopback sockets,
// so live-capture tests have genuine kernel traffic (handshakes, separate segments, FIN) to sniff.

import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** One framed MSNP command as a peer saw it. */
export interface PeerCommand {
  verb: string;
  args: string[];
  payload: Buffer | null;
}

// Only what this script uses: MSG carries a body whose length is its last argument.
const PAYLOAD_VERBS = new Set(['MSG']);

/** Splits a socket's bytes into MSNP commands (lines, plus MSG bodies). */
class CommandReader {
  private buf = Buffer.alloc(0);
  private readonly queue: PeerCommand[] = [];
  private waiters: ((c: PeerCommand | null) => void)[] = [];
  private ended = false;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      this.parse();
    });
    socket.on('close', () => {
      this.ended = true;
      for (const w of this.waiters.splice(0)) w(null);
    });
  }

  /** The next command, or null when the socket closed first. */
  async next(): Promise<PeerCommand | null> {
    const c = this.queue.shift();
    if (c !== undefined) return c;
    if (this.ended) return null;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private parse(): void {
    for (;;) {
      const eol = this.buf.indexOf('\r\n');
      if (eol < 0) return;
      const [verb = '', ...args] = this.buf.subarray(0, eol).toString('utf8').split(' ');
      let end = eol + 2;
      let payload: Buffer | null = null;
      if (PAYLOAD_VERBS.has(verb)) {
        const n = Number(args[args.length - 1]);
        if (this.buf.length < end + n) return;
        payload = Buffer.from(this.buf.subarray(end, end + n));
        end += n;
      }
      this.buf = this.buf.subarray(end);
      const cmd = { verb, args, payload };
      const w = this.waiters.shift();
      if (w !== undefined) w(cmd);
      else this.queue.push(cmd);
    }
  }
}

/** Writes `bytes` in `pieces` separate writes a few ms apart, so each leaves as its own TCP segment. */
async function writeInPieces(socket: Socket, bytes: Buffer, pieces: number): Promise<void> {
  const size = Math.ceil(bytes.length / pieces);
  for (let off = 0; off < bytes.length; off += size) {
    socket.write(bytes.subarray(off, off + size));
    await sleep(5);
  }
}

export function mimeMessage(text: string): Buffer {
  return Buffer.from(
    `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Arial; EF=; CO=0; CS=0; PF=22\r\n\r\n${text}`,
    'utf8',
  );
}

function msg(head: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${head} ${body.length}\r\n`), body]);
}

const PROFILE = Buffer.from(
  'MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\nLoginTime: 1062764229\r\nEmailEnabled: 0\r\nlang_preference: 1033\r\n\r\n',
);
const COOKIE = '17262740.1050826919.32308';

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function nodelay(socket: Socket): Socket {
  socket.setNoDelay(true);
  return socket;
}

/** The chat texts of the scripted session, so tests can check the analysis found all of it. */
export const SESSION_TEXT = {
  /** Alice's chat line: the client sends it in several separate segments. */
  long: `Hello Bob! ${'This message is long enough to be written in several pieces. '.repeat(40)}Bye.`,
  /** Bob's answer from the switchboard, also split over segments. */
  reply: 'Hi Alice — got it ✓',
} as const;

export interface MsnpPeers {
  nsPort: number;
  sbPort: number;
  /** Runs one full session (login, XFR, switchboard chat, a failed CAL, sign-out) and resolves when both sockets closed. */
  runSession(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the notification server and the switchboard on ephemeral loopback ports. */
export async function startMsnpPeers(): Promise<MsnpPeers> {
  let sbPort = 0;
  const ns = createServer((s) => void serveNotification(nodelay(s), () => sbPort));
  const sb = createServer((s) => void serveSwitchboard(nodelay(s)));
  const nsPort = await listen(ns);
  sbPort = await listen(sb);
  return {
    nsPort,
    sbPort,
    runSession: () => runClient(nsPort),
    close: async () => {
      ns.close();
      sb.close();
      await Promise.all([once(ns, 'close'), once(sb, 'close')]);
    },
  };
}

async function serveNotification(socket: Socket, sbPort: () => number): Promise<void> {
  const reader = new CommandReader(socket);
  for (let c = await reader.next(); c !== null; c = await reader.next()) {
    const trId = c.args[0] ?? '0';
    switch (c.verb) {
      case 'VER':
        socket.write(`VER ${trId} MSNP8 CVR0\r\n`);
        break;
      case 'CVR':
        socket.write(`CVR ${trId} 6.2.0208 6.2.0208 1.0.0000 http://download.microsoft.com/download/msnmessenger.exe http://messenger.msn.com\r\n`);
        break;
      case 'USR':
        if (c.args[2] === 'I') {
          socket.write(`USR ${trId} TWN S lc=1033,id=507,tw=40,fs=1,ct=1062764229,kpp=1,kv=5,ver=2.1.0173.1\r\n`);
        } else {
          socket.write(`USR ${trId} OK alice@example.com Alice 1 0\r\n`);
          socket.write(msg('MSG Hotmail Hotmail', PROFILE));
        }
        break;
      case 'CHG':
        socket.write(`CHG ${trId} ${c.args.slice(1).join(' ')}\r\n`);
        break;
      case 'XFR':
        socket.write(`XFR ${trId} SB 127.0.0.1:${sbPort()} CKI ${COOKIE}\r\n`);
        break;
      case 'OUT':
        socket.end();
        return;
      default:
        socket.write(`200 ${trId}\r\n`);
    }
  }
}

async function serveSwitchboard(socket: Socket): Promise<void> {
  const reader = new CommandReader(socket);
  for (let c = await reader.next(); c !== null; c = await reader.next()) {
    const trId = c.args[0] ?? '0';
    switch (c.verb) {
      case 'USR':
        socket.write(`USR ${trId} OK ${c.args[1] ?? ''} Alice\r\n`);
        break;
      case 'CAL':
        if (c.args[1] === 'bob@example.com') {
          socket.write(`CAL ${trId} RINGING 11752013\r\n`);
          await sleep(5);
          socket.write('JOI bob@example.com Bob\r\n');
        } else {
          socket.write(`208 ${trId}\r\n`);
        }
        break;
      case 'MSG':
        if (c.args[1] === 'A') socket.write(`ACK ${trId}\r\n`);
        // Bob answers, his body also split over several segments.
        await writeInPieces(socket, msg('MSG bob@example.com Bob', mimeMessage(SESSION_TEXT.reply)), 3);
        break;
      case 'OUT':
        socket.write('BYE alice@example.com\r\n');
        socket.end();
        return;
      default:
        socket.write(`200 ${trId}\r\n`);
    }
  }
}

/** Sends one command and waits for the reply with the expected verb (skipping unsolicited ones). */
async function call(socket: Socket, reader: CommandReader, bytes: Buffer | string, until: string): Promise<PeerCommand> {
  socket.write(bytes);
  for (;;) {
    const c = await reader.next();
    if (c === null) throw new Error(`connection closed while waiting for ${until}`);
    if (c.verb === until) return c;
  }
}

async function runClient(nsPort: number): Promise<void> {
  const ns = nodelay(connect(nsPort, '127.0.0.1'));
  await once(ns, 'connect');
  const nsr = new CommandReader(ns);
  await call(ns, nsr, 'VER 1 MSNP8 CVR0\r\n', 'VER');
  await call(ns, nsr, 'CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.2.0208 MSMSGS alice@example.com\r\n', 'CVR');
  await call(ns, nsr, 'USR 3 TWN I alice@example.com\r\n', 'USR');
  await call(ns, nsr, 'USR 4 TWN S t=53*1hAu8ADuD3TEwdXoOMi08sD*2!cMrntTwVMTjoB3p6stWTqzbkKZPVQzA5NOt19SLI60PY!b8K4YhC!Ooo5ug$$&p=5Ey\r\n', 'MSG');
  await call(ns, nsr, 'CHG 5 NLN 0\r\n', 'CHG');
  const xfr = await call(ns, nsr, 'XFR 6 SB\r\n', 'XFR');
  const [host = '', port = ''] = (xfr.args[2] ?? '').split(':');

  const sb = nodelay(connect(Number(port), host));
  await once(sb, 'connect');
  const sbr = new CommandReader(sb);
  await call(sb, sbr, `USR 1 alice@example.com ${COOKIE}\r\n`, 'USR');
  await call(sb, sbr, 'CAL 2 bob@example.com\r\n', 'JOI');
  // The command line first, then the body in separate writes: one MSG over several segments.
  const body = mimeMessage(SESSION_TEXT.long);
  sb.write(`MSG 3 A ${body.length}\r\n`);
  await sleep(5);
  await writeInPieces(sb, body.subarray(0, body.length - 100), 4);
  await call(sb, sbr, body.subarray(body.length - 100), 'MSG');
  await call(sb, sbr, 'CAL 4 nobody@example.com\r\n', '208');
  sb.write('OUT\r\n');
  await once(sb, 'close');
  ns.write('OUT\r\n');
  await once(ns, 'close');
}

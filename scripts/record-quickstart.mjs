#!/usr/bin/env node
// Records fixtures/quickstart.pcapng: a scripted MSNP8 client and server talking over loopback,
// captured for real with dumpcap (apt-get install tshark). Run as root: node scripts/record-quickstart.mjs
// NS on 127.0.0.1:1863, switchboard on 127.0.0.2:1863 (announced by XFR), so the default port finds both.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/quickstart.pcapng');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const COOKIE = '17262740.1050826919.32308';
const CHALLENGE = '29409134351025259292';

/** Reads MSNP commands (line + optional payload) from a socket. */
function commandReader(socket, payloadVerbs) {
  let buf = Buffer.alloc(0);
  const waiting = [];
  const ready = [];
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const lf = buf.indexOf(10);
      if (lf < 0) break;
      const line = buf.subarray(0, lf).toString('utf8').replace(/\r$/, '');
      const args = line.split(' ');
      const len = payloadVerbs.includes(args[0]) ? Number(args[args.length - 1]) : 0;
      if (buf.length < lf + 1 + len) break;
      const payload = buf.subarray(lf + 1, lf + 1 + len).toString('utf8');
      buf = buf.subarray(lf + 1 + len);
      const cmd = { line, args, payload };
      const w = waiting.shift();
      if (w) w(cmd);
      else ready.push(cmd);
    }
  });
  return () => (ready.length ? Promise.resolve(ready.shift()) : new Promise((r) => waiting.push(r)));
}

function send(socket, text) {
  socket.write(text);
}

/** Writes `text` in several TCP segments (Nagle off, a pause between writes). */
async function sendInPieces(socket, text, pieces) {
  const bytes = Buffer.from(text, 'utf8');
  const size = Math.ceil(bytes.length / pieces);
  for (let o = 0; o < bytes.length; o += size) {
    socket.write(bytes.subarray(o, o + size));
    await sleep(30);
  }
}

const msg = (headers, body) => `${headers.join('\r\n')}\r\n\r\n${body}`;
const len = (s) => Buffer.byteLength(s, 'utf8');

function notificationServer(socket) {
  socket.setNoDelay(true);
  const next = commandReader(socket, ['QRY']);
  (async () => {
    for (;;) {
      const { args } = await next();
      const [verb, trId] = args;
      switch (verb) {
        case 'VER': send(socket, `VER ${trId} MSNP8 CVR0\r\n`); break;
        case 'CVR': send(socket, `CVR ${trId} 6.2.0208 6.2.0208 6.0.0602 http://download.example.com/msn.exe http://messenger.example.com\r\n`); break;
        case 'USR':
          if (args[3] === 'I') send(socket, `USR ${trId} TWN S lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1062764229,kpp=1,kv=5,ver=2.1.0173.1,tpf=43f8a4c8ed940c04e3740be46c4d1619\r\n`);
          else {
            send(socket, `USR ${trId} OK alice@example.com Alice%20A. 1 0\r\n`);
            const profile = msg(['MIME-Version: 1.0', 'Content-Type: text/x-msmsgsprofile; charset=UTF-8', 'LoginTime: 1062764229', 'EmailEnabled: 1', 'MemberIdHigh: 84736', 'MemberIdLow: -1434729391', 'lang_preference: 1033', 'country: US', 'Kid: 0', 'Flags: 1073742915', 'sid: 72652', 'ClientIP: 127.0.0.1', 'ClientPort: 51012'], '');
            send(socket, `MSG Hotmail Hotmail ${len(profile)}\r\n${profile}`);
          }
          break;
        case 'SYN':
          for (const l of [`SYN ${trId} 1 2 1`, 'GTC A', 'BLP AL', 'LSG 0 Other%20Contacts 0', 'LST bob@example.com Bob%20B. 11 0', 'LST carol@example.com Carol%20C. 11 0']) send(socket, `${l}\r\n`);
          break;
        case 'CHG':
          send(socket, `CHG ${trId} ${args[2]} ${args[3]}\r\n`);
          send(socket, `ILN ${trId} NLN bob@example.com Bob%20B. 268435492\r\n`);
          await sleep(50);
          send(socket, `CHL 0 ${CHALLENGE}\r\n`);
          break;
        case 'QRY': send(socket, `QRY ${trId}\r\n`); break;
        case 'PNG': send(socket, 'QNG\r\n'); break;
        case 'XFR': send(socket, `XFR ${trId} SB 127.0.0.2:1863 CKI ${COOKIE}\r\n`); break;
        case 'OUT': socket.end(); return;
        default: send(socket, `200 ${trId}\r\n`);
      }
    }
  })();
}

function switchboardServer(socket) {
  socket.setNoDelay(true);
  const next = commandReader(socket, ['MSG']);
  (async () => {
    for (;;) {
      const { args, payload } = await next();
      const [verb, trId] = args;
      switch (verb) {
        case 'USR': send(socket, `USR ${trId} OK alice@example.com Alice%20A.\r\n`); break;
        case 'CAL':
          if (args[2] !== 'bob@example.com') { send(socket, `208 ${trId}\r\n`); break; }
          send(socket, `CAL ${trId} RINGING 11752013\r\n`);
          await sleep(40);
          send(socket, 'JOI bob@example.com Bob%20B.\r\n');
          break;
        case 'MSG':
          if (args[2] === 'A') {
            send(socket, `ACK ${trId}\r\n`);
            await sleep(40);
            const typing = msg(['MIME-Version: 1.0', 'Content-Type: text/x-msmsgscontrol', 'TypingUser: bob@example.com'], '\r\n');
            send(socket, `MSG bob@example.com Bob%20B. ${len(typing)}\r\n${typing}`);
            await sleep(40);
            const reply = msg(['MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8', 'X-MMS-IM-Format: FN=Arial; EF=I; CO=0; CS=0; PF=22'], `Got it (${payload.length} characters). Schöne Grüße ☕`);
            send(socket, `MSG bob@example.com Bob%20B. ${len(reply)}\r\n${reply}`);
          }
          break;
        case 'OUT': send(socket, 'BYE alice@example.com\r\n'); socket.end(); return;
        default: send(socket, `200 ${trId}\r\n`);
      }
    }
  })();
}

async function client() {
  const ns = net.connect(1863, '127.0.0.1');
  ns.setNoDelay(true);
  await once(ns, 'connect');
  const nsNext = commandReader(ns, ['MSG']);
  const ask = async (line) => { send(ns, `${line}\r\n`); return nsNext(); };
  await ask('VER 1 MSNP8 CVR0');
  await ask('CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.2.0208 MSMSGS alice@example.com');
  await ask('USR 3 TWN I alice@example.com');
  await ask('USR 4 TWN S t=53*1hAu8ADuD3TEwdXoOMi08sD*2!cMrntTwVMTjoB3p6stWTqzbkKZPVQzA5NOt19SLI60PY!b8K4YhC!Ooo5ug$$&p=5*B0Q0!kn8GqQrsy5V8kqrT$');
  await nsNext(); // profile MSG
  send(ns, 'SYN 5 0\r\n');
  for (let i = 0; i < 6; i++) await nsNext();
  send(ns, 'CHG 6 NLN 268435492\r\n');
  await nsNext(); await nsNext();
  const chl = await nsNext();
  const response = createHash('md5').update(chl.args[2] + 'Q1P7W2E4J9R8U3S5').digest('hex');
  send(ns, `QRY 7 msmsgs@msnmsgr.com 32\r\n${response}`);
  await nsNext();
  await ask('PNG');
  const xfr = await ask('XFR 8 SB');
  const [host, port] = xfr.args[3].split(':');

  const sb = net.connect(Number(port), host);
  sb.setNoDelay(true);
  await once(sb, 'connect');
  const sbNext = commandReader(sb, ['MSG']);
  send(sb, `USR 1 alice@example.com ${xfr.args[5]}\r\n`);
  await sbNext();
  send(sb, 'CAL 2 bob@example.com\r\n');
  await sbNext(); await sbNext();
  const typing = msg(['MIME-Version: 1.0', 'Content-Type: text/x-msmsgscontrol', 'TypingUser: alice@example.com'], '\r\n');
  send(sb, `MSG 3 U ${len(typing)}\r\n${typing}`);
  await sleep(60);
  const story = 'Hello Bob! Here is a long message so that it spans several TCP segments. '.repeat(12) + 'Ünïcödé: 日本語テキスト, кириллица, emoji 🎉.';
  const text = msg(['MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8', 'X-MMS-IM-Format: FN=Segoe%20UI; EF=B; CO=ff0000; CS=0; PF=22'], story);
  await sendInPieces(sb, `MSG 4 A ${len(text)}\r\n${text}`, 3);
  await sbNext(); await sbNext(); await sbNext();
  send(sb, 'CAL 5 nobody@example.com\r\n');
  await sbNext();
  send(sb, 'OUT\r\n');
  await sbNext();
  await once(sb, 'close');
  await sleep(50);
  send(ns, 'OUT\r\n');
  await once(ns, 'close');
}

const nsServer = net.createServer(notificationServer).listen(1863, '127.0.0.1');
const sbServer = net.createServer(switchboardServer).listen(1863, '127.0.0.2');
await Promise.all([once(nsServer, 'listening'), once(sbServer, 'listening')]);
const dumpcap = spawn('dumpcap', ['-q', '-i', 'lo', '-f', 'tcp port 1863', '-w', out], { stdio: ['ignore', 'inherit', 'inherit'] });
await sleep(1500);
await client();
await sleep(500);
dumpcap.kill('SIGINT');
await once(dumpcap, 'exit');
nsServer.close();
sbServer.close();
console.log(`wrote ${out}`);

// One streaming session (Exec, Attach or PortForward) with containerd's streaming
// server, as kubectl's websocket client speaks it (channel.k8s.io v4: each binary
// message starts with its channel byte). The server listens on the loopback of
// containerd's network namespace, so this runs inside it: streamSession() starts it
// there with nsenter. Every message in `send` goes out once the socket is open; the
// session ends when the server closes it, or after `ms`.
//
//   bun test/e2e/cri/stream.ts '{"url":...,"send":[[channel,"base64"],...],"ms":N}'
import { spawnToFiles } from "../../helpers/harness.ts";

export interface StreamRequest {
  url: string;
  /** [channel, data]: 0 stdin (or a port's data), 4 resize (JSON), ... */
  send: [number, string][];
  /** Ends the session after this many ms if the server has not (default 20 s). */
  ms?: number;
  /** Closes the socket once this text has been seen on any channel. */
  until?: string;
}

export interface StreamResult {
  protocol: string;
  /** What each channel carried, as text (channel number -> text). */
  channels: Record<string, string>;
  /** The session was ended by `ms`, not by the server or `until`. */
  timedOut: boolean;
  error?: string;
}

/** Runs a session inside the network namespace `netns` (/run/netns/NAME). */
export function streamSession(netns: string, req: StreamRequest): StreamResult {
  const r = spawnToFiles(
    "nsenter",
    [`--net=/run/netns/${netns}`, process.execPath, import.meta.path, JSON.stringify(req)],
    { timeoutMs: (req.ms ?? 20_000) + 10_000, killSignal: "SIGKILL" },
  );
  if (r.status !== 0) throw new Error(`stream session: exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as StreamResult;
}

async function main(req: StreamRequest): Promise<StreamResult> {
  const chunks: Record<string, Buffer[]> = {};
  const text = () =>
    Object.fromEntries(
      Object.entries(chunks).map(([c, bufs]) => [c, Buffer.concat(bufs).toString()]),
    );
  return new Promise((resolve) => {
    const ws = new WebSocket(req.url, ["v4.channel.k8s.io"]);
    ws.binaryType = "arraybuffer";
    let timedOut = false;
    let error: string | undefined;
    const done = () => {
      clearTimeout(timer);
      resolve({
        protocol: ws.protocol,
        channels: text(),
        timedOut,
        ...(error ? { error } : {}),
      });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      ws.close();
    }, req.ms ?? 20_000);
    ws.onopen = () => {
      for (const [channel, data] of req.send) {
        ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data, "base64")]));
      }
    };
    ws.onmessage = (ev) => {
      const b = Buffer.from(ev.data as ArrayBuffer);
      if (b.length === 0) return;
      const c = String(b[0]);
      chunks[c] ??= [];
      chunks[c].push(b.subarray(1));
      if (req.until && Object.values(text()).some((t) => t.includes(req.until as string))) {
        ws.close();
      }
    };
    ws.onerror = (e) => {
      error = String((e as ErrorEvent).message ?? e.type);
    };
    ws.onclose = () => done();
  });
}

if (import.meta.main) {
  const req = JSON.parse(process.argv[2] ?? "{}") as StreamRequest;
  process.stdout.write(JSON.stringify(await main(req)));
}

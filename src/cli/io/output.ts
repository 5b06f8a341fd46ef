/**
 * The process's standard output and error as bbgov writes them. Node's
 * `process.stdout` and `process.stderr` are streams: the first touch of one
 * loads Node's stream stack, and for a pipe `net` too (~3 ms of a ~15 ms
 * run of bbgov on a small file). On Linux, when the descriptor is a pipe, a
 * socket, a regular file or /dev/null (never a terminal), the text is written
 * straight to it with `writeSync`, which is what those streams do there anyway
 * (synchronous writes to pipes and files). A terminal, anything else, or
 * another system gets the real stream, made on first use. Faults behave as the stream's do: a failed write
 * is reported to `onFault` on the next tick (as the stream's `error` event
 * would be) and nothing more is written there; a pipe that would block
 * (EAGAIN: a non-blocking pipe that is full) hands that write and every later
 * one to the real stream, which waits for the reader.
 */
import { EventEmitter } from "node:events";
import { fstatSync, statSync, writeSync } from "node:fs";

type Stream = NodeJS.WriteStream;

/** Standard output or error: written directly to its descriptor when that is safe, else through Node's stream. */
export class StandardOutput extends EventEmitter implements NodeJS.WritableStream {
  writable = true;
  #stream: Stream | undefined;
  #direct: boolean;
  #failed = false;

  /** `fd` 1 or 2; `stream` makes Node's stream for it (process.stdout); `onFault` gets a write's error. */
  constructor(
    private readonly fd: number,
    private readonly stream: () => Stream,
    private readonly onFault: (error: NodeJS.ErrnoException) => void,
  ) {
    super();
    this.#direct = writesDirectly(fd);
  }

  /** Whether this is a terminal; never for a pipe, a socket or a file. */
  get isTTY(): boolean | undefined {
    return this.#direct ? undefined : this.#real().isTTY;
  }

  /** A terminal's width; undefined for a pipe, a socket or a file. */
  get columns(): number | undefined {
    return this.#direct ? undefined : this.#real().columns;
  }

  /** A terminal's height (inspect --watch fits it); undefined for a pipe, a socket or a file. */
  get rows(): number | undefined {
    return this.#direct ? undefined : this.#real().rows;
  }

  /** Writes text or bytes; false when the stream's buffer is full (wait for `drain`). */
  write(chunk: string | Uint8Array, encodingOrCallback?: unknown, callback?: unknown): boolean {
    const done = typeof encodingOrCallback === "function" ? encodingOrCallback : callback;
    if (!this.#direct) {
      return this.#real().write(chunk, done as (error?: Error | null) => void);
    }
    if (this.#failed) return true;
    let bytes: Uint8Array | undefined;
    let offset = 0;
    try {
      // A string goes as it is (no copy) unless the descriptor takes only part of it.
      const length = typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.byteLength;
      offset = typeof chunk === "string" ? writeSync(this.fd, chunk) : writeSync(this.fd, chunk);
      while (offset < length) {
        bytes ??= typeof chunk === "string" ? Buffer.from(chunk) : chunk;
        offset += writeSync(this.fd, bytes, offset, length - offset);
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EAGAIN" || code === "EWOULDBLOCK") {
        // The reader is slower than us: the stream queues the rest and waits for it, as it always did.
        this.#direct = false;
        const rest = (bytes ?? (typeof chunk === "string" ? Buffer.from(chunk) : chunk)).subarray(offset);
        return this.#real().write(rest, done as (error?: Error | null) => void);
      }
      this.#failed = true;
      process.nextTick(() => this.onFault(error as NodeJS.ErrnoException));
      return true;
    }
    if (typeof done === "function") process.nextTick(done as () => void);
    return true;
  }

  /** Ends the output (a direct descriptor stays open: it is the process's). */
  end(...args: unknown[]): this {
    const done = args.find((arg) => typeof arg === "function") as (() => void) | undefined;
    const data = args.find((arg) => typeof arg === "string" || arg instanceof Uint8Array) as string | Uint8Array | undefined;
    if (data !== undefined) this.write(data);
    if (!this.#direct) this.#real().end();
    if (done !== undefined) process.nextTick(done);
    return this;
  }

  /** Listeners of `drain`, `close` and `error` (writeChunks) belong to the stream once there is one. */
  override once(event: string | symbol, listener: (...args: unknown[]) => void): this {
    if (this.#direct) super.once(event, listener);
    else this.#real().once(event as string, listener);
    return this;
  }

  /** So are those `on` adds: a terminal's `resize` (inspect --watch redraws at once) is the stream's event. */
  override on(event: string | symbol, listener: (...args: unknown[]) => void): this {
    if (this.#direct) super.on(event, listener);
    else this.#real().on(event as string, listener);
    return this;
  }

  /** removeListener (EventEmitter's own `off` would not reach the stream). */
  override off(event: string | symbol, listener: (...args: unknown[]) => void): this {
    return this.removeListener(event, listener);
  }

  override removeListener(event: string | symbol, listener: (...args: unknown[]) => void): this {
    super.removeListener(event, listener);
    this.#stream?.removeListener(event, listener);
    return this;
  }

  /**
   * Whether everything was written directly, with no fault: nothing can still arrive from here. Node's stream
   * (a terminal, a pipe that filled up) may hold text or an error event to come.
   */
  settled(): boolean {
    return this.#stream === undefined && !this.#failed;
  }

  #real(): Stream {
    if (this.#stream === undefined) {
      this.#stream = this.stream();
      this.#stream.on("error", this.onFault);
    }
    return this.#stream;
  }
}

/** A pipe, a socket, a regular file or /dev/null: never a terminal, written synchronously by Node's own stream too. */
function writesDirectly(fd: number): boolean {
  // Measured and tested on Linux; elsewhere Node's streams, as before.
  if (process.platform !== "linux") return false;
  try {
    const stat = fstatSync(fd);
    if (stat.isFIFO() || stat.isSocket() || stat.isFile()) return true;
    return stat.isCharacterDevice() && stat.rdev === statSync("/dev/null").rdev;
  } catch {
    return false;
  }
}

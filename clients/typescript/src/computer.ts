import { type Http } from './http.js';

/** One computer-use action as the API takes it, e.g. `{ action: 'click', x: 10, y: 20 }`. */
export type ComputerAction = { action: string; [field: string]: unknown };

/** A `perform` answer: one result per action (screenshots with base64 `data`), the caller's `screen` and the real `display`. */
export interface ComputerResults {
  results: Array<{ action: string; data?: string; mediaType?: string; width?: number; height?: number; x?: number; y?: number }>;
  screen: { width: number; height: number };
  display: { width: number; height: number };
}

/**
 * `sandbox.desktop()` or `browser.computer()`: the same actions on both. Coordinates are pixels of the screen, or of
 * `scaledTo(width, height)`: screenshots come at that size and coordinates are mapped back. Input is not retried once
 * sent; a handoff in progress refuses the agent's actions (ConflictError naming it).
 */
export class Computer {
  constructor(private readonly http: Http, private readonly path: string, readonly screen?: { width: number; height: number }) {}

  scaledTo(width: number, height: number): Computer {
    return new Computer(this.http, this.path, { width, height });
  }

  /** Several actions run in order in one call; nothing runs when one is refused. */
  perform(actions: ComputerAction[]): Promise<ComputerResults> {
    const json: Record<string, unknown> = { actions };
    if (this.screen) json.screen = this.screen;
    return this.http.json('POST', this.path, { json, retry: 'connect', timeoutMs: 120_000 });
  }

  private async one(action: ComputerAction) {
    return (await this.perform([action])).results[0];
  }

  /** The screen as PNG bytes. */
  async screenshot(): Promise<Uint8Array> {
    return new Uint8Array(Buffer.from((await this.one({ action: 'screenshot' })).data ?? '', 'base64'));
  }
  async mouseMove(x: number, y: number): Promise<void> {
    await this.one({ action: 'mouse_move', x, y });
  }
  async click(x: number, y: number, o: { button?: 'left' | 'middle' | 'right'; count?: 1 | 2 | 3 } = {}): Promise<void> {
    await this.one({ action: 'click', x, y, button: o.button ?? 'left', count: o.count ?? 1 });
  }
  async drag(path: Array<{ x: number; y: number }>): Promise<void> {
    await this.one({ action: 'drag', path });
  }
  async scroll(x: number, y: number, dx = 0, dy = 0): Promise<void> {
    await this.one({ action: 'scroll', x, y, dx, dy });
  }
  /** xdotool-style keys: `Return`, `ctrl+shift+t`, several chords separated by spaces. */
  async key(keys: string): Promise<void> {
    await this.one({ action: 'key', keys });
  }
  async type(text: string): Promise<void> {
    await this.one({ action: 'type', text });
  }
  async cursorPosition(): Promise<{ x: number; y: number }> {
    const r = await this.one({ action: 'cursor_position' });
    return { x: r.x ?? 0, y: r.y ?? 0 };
  }
  async wait(ms: number): Promise<void> {
    await this.one({ action: 'wait', ms });
  }
}

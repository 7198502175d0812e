import type { Server } from "node:http";

export function serve(options: { out: string; port: number; api?: string }): Promise<Server>;

export function inlineScriptHashes(out: string): string[];
export function contentSecurityPolicy(out: string, connect?: string[]): string;

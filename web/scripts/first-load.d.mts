export function firstLoad(out: string): { page: string; files: number; bytes: number }[];

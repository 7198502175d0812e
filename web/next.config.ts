import type { NextConfig } from "next";

const config: NextConfig = {
  // Static files only: the API is the server. CloudFront serves web/out from S3.
  output: "export",
  // With a static export distDir is where the export goes: the end-to-end harness builds
  // against its own API into e2e-out/, leaving out/ to `make web-build`.
  ...(process.env.NEXT_EXPORT_DIR ? { distDir: process.env.NEXT_EXPORT_DIR } : {}),
  reactStrictMode: true,
  poweredByHeader: false,
  // Linting is tsc --strict here (make web-test); no ESLint is installed.
  eslint: { ignoreDuringBuilds: true },
};

export default config;

// Vite build of the server's web UI: src/web/ui/*.tsx -> dist-ui/ at the
// repository root (outside dist/, which `npm test` wipes). Asset URLs are
// relative ("./assets/..."), so the same build works under any
// --web.route-prefix or external URL path. Vite reads the config's default
// export, the one default export of the repository. Two pages share one
// build (and its chunks): index.html, the server's UI, and
// alertmanager.html, the Alertmanager's.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  logLevel: "warn",
  clearScreen: false,
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../../../dist-ui", import.meta.url)),
    emptyOutDir: true,
    reportCompressedSize: false,
    // The PromQL editor alone is about 380 KB minified.
    chunkSizeWarningLimit: 1000,
    rolldownOptions: {
      input: {
        index: fileURLToPath(new URL("index.html", import.meta.url)),
        alertmanager: fileURLToPath(new URL("alertmanager.html", import.meta.url)),
      },
    },
  },
});

export { syncDir, writeFileAtomic, dirSize, FileWriter, FileReader, PageCache, PAGE_BYTES } from "./fileutil.ts";

export { IndexWriter, IndexReader, INDEX_MAGIC, INDEX_VERSION, ALL_POSTINGS_NAME, type ChunkMeta } from "./index-file.ts";

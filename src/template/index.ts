export { Template, TemplateExecError, MissingKey } from "./template.ts";
export type { TemplateOptions } from "./template.ts";
export { TemplateParseError } from "./parse.ts";
export { builtins, defineFunc, htmlEscape, jsEscape, queryEscape } from "./funcs.ts";
export type { CustomParamType, FuncMap, ParamType, TemplateFunction } from "./funcs.ts";
export { formatFloat, goQuote, sprint, sprintf, sprintln, formatValue } from "./fmt.ts";
export { TypedMap, stringMap, typeName, isTrue } from "./value.ts";
export { GoDuration, GoTime } from "./time.ts";
export {
  AlertTemplateData,
  TemplateExpansionError,
  TemplateSample,
  checkTemplateParses,
  expandAlertField,
  expandText,
  parseGoFloat,
  prometheusFuncs,
} from "./prometheus.ts";
export type {
  AlertFieldExpansion,
  AlertFieldOptions,
  PrometheusFuncsOptions,
  QuerySample,
  TemplateQueryFunc,
} from "./prometheus.ts";

#!/usr/bin/env node
import { classifyMain } from './classify';

classifyMain(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

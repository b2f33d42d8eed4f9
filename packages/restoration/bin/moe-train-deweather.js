#!/usr/bin/env node
'use strict';
require('../dist/train-cli.js').main();

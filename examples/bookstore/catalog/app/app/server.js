// Bookstore catalog service: serves the book list. Example only; Portcullis never runs it.
const http = require('node:http');
const debug = require('debug')('catalog');
const _ = require('lodash');
const argv = require('minimist')(process.argv.slice(2));

const books = [
  { id: 1, title: 'Production Kubernetes', stock: 3 },
  { id: 2, title: 'Kubernetes Patterns', stock: 0 },
];

http
  .createServer((req, res) => {
    debug('%s %s', req.method, req.url);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(_.filter(books, (b) => b.stock > 0)));
  })
  .listen(argv.port || 8080);

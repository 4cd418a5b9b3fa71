import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import './app/app.css';

const root = createRoot(document.getElementById('root')!);
const render = () =>
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );

// A link's pipeline, asked for by index.html while this script loaded, is due about now: the first render waits for
// it and draws it, rather than draw an empty designer and then everything again.
const early = window.pipelinesEarly;
if (early) void early.response.then(render, render);
else render();

import { mount } from 'svelte';
import App from './components/App.svelte';
import { language } from './lib/i18n.svelte';

const start = (): void => void mount(App, { target: document.querySelector('#app')! });
// the first screen is drawn in the remembered language: its catalog comes first (the keys
// show if it cannot be fetched)
language.load(language.current).then(start, start);

import { mount } from 'svelte';
import App from './components/App.svelte';
import './styles.css';

mount(App, { target: document.querySelector('#app')! });

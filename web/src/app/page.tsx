import { TodoApp } from "@/components/TodoApp";

export default function Home() {
  return (
    <main>
      <h1>Todos</h1>
      <TodoApp />
    </main>
  );
}

Console.WriteLine("swarm");
